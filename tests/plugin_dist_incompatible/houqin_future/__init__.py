from core.sdk import PluginManifest

manifest = PluginManifest(name="future", version="9.0.0", title="Future", core=">=9,<10")
