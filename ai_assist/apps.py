from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiAssistConfig(AppConfig):
    name = "ai_assist"
    verbose_name = _("AI assist")
