"""The team's news: write a news item in Dutch and English, preview it, and send it to a group of companies."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community.selectors.news import news_item_detail, news_item_list, segment_options
from community.selectors.segments import SEGMENT_CHOICES
from community.services.news import news_item_create, news_sending_start
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from connections.views.access import team_required
from connections.views.feedback import form_errors_add

LIST_LIMIT = 200


class NewsItemForm(forms.Form):
    title_nl = forms.CharField(label=gettext_lazy("Title (Dutch)"), max_length=200)
    body_nl = forms.CharField(label=gettext_lazy("Text (Dutch)"), max_length=20000, widget=forms.Textarea)
    title_en = forms.CharField(label=gettext_lazy("Title (English)"), max_length=200)
    body_en = forms.CharField(label=gettext_lazy("Text (English)"), max_length=20000, widget=forms.Textarea)


class NewsSendForm(forms.Form):
    segment = forms.ChoiceField(label=gettext_lazy("Send to"), choices=SEGMENT_CHOICES)
    plateau = forms.TypedChoiceField(label=gettext_lazy("Plateau"), coerce=int, required=False, empty_value=None)
    flow = forms.ChoiceField(label=gettext_lazy("Message flow"), required=False)

    def __init__(self, *args: Any, plateaus: list[int], flows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plateau_field = self.fields["plateau"]
        flow_field = self.fields["flow"]
        assert isinstance(plateau_field, forms.ChoiceField) and isinstance(flow_field, forms.ChoiceField)
        plateau_field.choices = [("", _("Choose a plateau"))] + [(str(number), str(number)) for number in plateaus]
        flow_field.choices = [("", _("Choose a message flow"))] + [(flow.code, flow.code) for flow in flows]


@team_required
def news_list_view(request: HttpRequest) -> HttpResponse:
    form = NewsItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = news_item_create(
                created_by=request.user,
                submit_token=submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD)),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("News item saved. Check the preview, then send it."))
            return HttpResponseRedirect(reverse("community:news_detail", args=[item.pk]))
    context = {"nav_active": "news", "form": form, "news_items": list(news_item_list()[:LIST_LIMIT])}
    return render(request, "community/news_list.html", context, status=400 if form.errors else 200)


def _detail_page(request: HttpRequest, news_item_id: int, form: NewsSendForm | None = None) -> HttpResponse:
    item, sendings = news_item_detail(news_item_id=news_item_id)
    plateaus, flows = segment_options()
    form = form or NewsSendForm(plateaus=plateaus, flows=flows)
    context = {"nav_active": "news", "item": item, "sendings": sendings, "form": form}
    return render(request, "community/news_detail.html", context, status=400 if form.errors else 200)


@team_required
def news_detail_view(request: HttpRequest, news_item_id: int) -> HttpResponse:
    return _detail_page(request, news_item_id)


@require_POST
@team_required
def news_send_view(request: HttpRequest, news_item_id: int) -> HttpResponse:
    item, _sendings = news_item_detail(news_item_id=news_item_id)
    plateaus, flows = segment_options()
    form = NewsSendForm(request.POST, plateaus=plateaus, flows=flows)
    if form.is_valid():
        try:
            sending = news_sending_start(news_item_id=item.pk, started_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request,
                _("Sending to %(count)s recipients: %(segment)s.")
                % {"count": sending.total, "segment": sending.segment_label},
            )
            return HttpResponseRedirect(reverse("community:news_detail", args=[item.pk]) + "#sendings")
    return _detail_page(request, news_item_id, form)


urlpatterns = [
    path("team/news/", news_list_view, name="news_list"),
    path("team/news/<int:news_item_id>/", news_detail_view, name="news_detail"),
    path("team/news/<int:news_item_id>/send/", news_send_view, name="news_send"),
]
