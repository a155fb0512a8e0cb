"""The canteen's records, each belonging to one school: one module an area, all imported
here so that the migrations see every table."""

from core.sdk import lazy_gettext as _l

# Every meal slot a school may serve; which ones it uses is a module setting.
MEAL_SLOTS = ("breakfast", "morning_snack", "lunch", "afternoon_snack", "dinner",
              "evening_snack")
# The eight kinds of allergen that GB 7718-2011 (预包装食品标签通则) recommends labelling.
ALLERGENS = ("gluten", "crustacean", "fish", "egg", "peanut", "soy", "milk", "tree_nut")

SLOT_TITLES = {"breakfast": _l("Breakfast"), "morning_snack": _l("Morning snack"),
               "lunch": _l("Lunch"), "afternoon_snack": _l("Afternoon snack"),
               "dinner": _l("Dinner"), "evening_snack": _l("Evening snack")}
ALLERGEN_TITLES = {"gluten": _l("Cereals with gluten"), "crustacean": _l("Crustaceans"),
                   "fish": _l("Fish"), "egg": _l("Eggs"), "peanut": _l("Peanuts"),
                   "soy": _l("Soybeans"), "milk": _l("Milk"), "tree_nut": _l("Tree nuts")}

from .counts import MealCount  # noqa: E402
from .fees import TIERS, MealPlan  # noqa: E402
from .health import HealthCertificate, KitchenWorker, MorningCheck, MorningCheckAmendment  # noqa: E402
from .hygiene import AccompaniedMeal, Disinfection, PestControl, WasteHandover  # noqa: E402
from .menus import Dish, DishIngredient, MenuItem  # noqa: E402
from .receiving import Delivery, DeliveryItem  # noqa: E402
from .samples import Sample  # noqa: E402
from .stock import StockCount, StockCountLine, StockLot, StockMovement  # noqa: E402
from .suppliers import Certificate, Supplier  # noqa: E402
from .tuckshop import TuckBatch, TuckProduct, TuckRemoval, TuckSale, TuckSaleDraw  # noqa: E402

__all__ = [
              "ALLERGENS",
              "ALLERGEN_TITLES",
              "MEAL_SLOTS",
              "SLOT_TITLES",
              "TIERS",
              "AccompaniedMeal",
              "Certificate",
              "Delivery",
              "DeliveryItem",
              "Dish",
              "DishIngredient",
              "Disinfection",
              "HealthCertificate",
              "KitchenWorker",
              "MealCount",
              "MealPlan",
              "MenuItem",
              "MorningCheck",
              "MorningCheckAmendment",
              "PestControl",
              "Sample",
              "StockCount",
              "StockCountLine",
              "StockLot",
              "StockMovement",
              "Supplier",
              "TuckBatch",
              "TuckProduct",
              "TuckRemoval",
              "TuckSale",
              "TuckSaleDraw",
              "WasteHandover",
]
