from django.contrib import admin

from plateaus.models import GovernmentParty, MessageFlow, Plateau, Programme


class PlateauInline(admin.TabularInline):
    model = Plateau
    extra = 0
    fields = [
        "number",
        "name_nl",
        "name_en",
        "planned_start",
        "actual_start",
        "booking_window_start",
        "booking_window_end",
    ]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "deadline", "time_zone"]
    inlines = [PlateauInline]


@admin.register(Plateau)
class PlateauAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "name_en",
        "programme",
        "planned_start",
        "actual_start",
        "production_start",
        "booking_window_start",
        "booking_window_end",
    ]
    list_filter = ["programme"]


@admin.register(MessageFlow)
class MessageFlowAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "plateau"]
    list_filter = ["plateau"]
    filter_horizontal = ["parties"]


@admin.register(GovernmentParty)
class GovernmentPartyAdmin(admin.ModelAdmin):
    list_display = ["code", "abbreviation", "name_en", "htg_status", "htg_connected_on"]
    list_editable = ["htg_status", "htg_connected_on"]
