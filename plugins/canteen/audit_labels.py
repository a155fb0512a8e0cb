"""What the audit log shows for the canteen's tables and registers (core.audit_labels).

The manifest hands this mapping to core; each register adds its export ("canteen.<name>")
when it is declared (see ``exports.register``)."""

from core.sdk import lazy_gettext as _l

AUDIT_LABELS: dict[str, object] = {
    "canteen_meal_counts": _l("Meal counts"),
    "canteen_meal_plans": _l("Meal plans"),
    "canteen_kitchen_workers": _l("Kitchen staff"),
    "canteen_health_certificates": _l("Health certificates"),
    "canteen_morning_checks": _l("Morning health checks"),
    "canteen_morning_check_amendments": _l("Morning check corrections"),
    "canteen_disinfections": _l("Disinfection records"),
    "canteen_pest_controls": _l("Pest control records"),
    "canteen_waste_handovers": _l("Kitchen waste handovers"),
    "canteen_accompanied_meals": _l("Accompanied meals"),
    "canteen_dishes": _l("Dishes"),
    "canteen_dish_ingredients": _l("Dish ingredients"),
    "canteen_menu_items": _l("Menu entries"),
    "canteen_deliveries": _l("Deliveries received"),
    "canteen_delivery_items": _l("Delivery lines"),
    "canteen_samples": _l("Retained samples"),
    "canteen_stock_lots": _l("Stock lots"),
    "canteen_stock_counts": _l("Stock counts"),
    "canteen_stock_count_lines": _l("Stock count lines"),
    "canteen_stock_movements": _l("Stock movements"),
    "canteen_suppliers": _l("Suppliers"),
    "canteen_certificates": _l("Supplier licences"),
    "canteen_tuck_products": _l("Tuck shop products"),
    "canteen_tuck_batches": _l("Tuck shop batches"),
    "canteen_tuck_sales": _l("Tuck shop sales"),
    "canteen_tuck_sale_draws": _l("Tuck shop sale lines"),
    "canteen_tuck_removals": _l("Tuck shop removals"),
}
