"""The project's form renderer: one field template for every ``{{ field.as_field_group }}``."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    field_template_name = "forms/field.html"
