from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # Each app's contributions.py declares what it adds to the others (panels, widgets,
        # seeders, new-clinic hooks, ...); importing it registers them, as admin.py does.
        autodiscover_modules("contributions")
        import core.sessions  # noqa: F401 - stamps the idle timeout at sign-in
        from core import checks  # noqa: F401 - registers the kit's system checks
        from core.planner import statistics_refresh_after_migrate

        post_migrate.connect(statistics_refresh_after_migrate, sender=self)
