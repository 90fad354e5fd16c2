"""The team's news: write a news item in Dutch and English, preview it, change it until it is sent, and send it to a
group of companies after a confirmation step (the segment, how many recipients, both previews)."""

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

from community.selectors.news import news_item_detail, news_item_list, news_sending_preview, segment_options
from community.selectors.segments import SEGMENT_CHOICES
from community.services.news import (
    news_item_create,
    news_item_digest,
    news_item_is_sent,
    news_item_update,
    news_sending_start,
)
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from connections.views.access import team_required
from connections.views.feedback import form_errors_add
from htg_migration.errors import ConflictError
from htg_migration.forms import HtgForm

LIST_LIMIT = 200


class NewsItemForm(HtgForm):
    title_nl = forms.CharField(label=gettext_lazy("Title (Dutch)"), max_length=200)
    body_nl = forms.CharField(label=gettext_lazy("Text (Dutch)"), max_length=20000, widget=forms.Textarea)
    title_en = forms.CharField(label=gettext_lazy("Title (English)"), max_length=200)
    body_en = forms.CharField(label=gettext_lazy("Text (English)"), max_length=20000, widget=forms.Textarea)


class NewsSendForm(HtgForm):
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


def _detail_page(
    request: HttpRequest, news_item_id: int, form: NewsSendForm | None = None, status: int | None = None
) -> HttpResponse:
    item, sendings = news_item_detail(news_item_id=news_item_id)
    plateaus, flows = segment_options()
    form = form or NewsSendForm(plateaus=plateaus, flows=flows)
    context = {
        "nav_active": "news",
        "item": item,
        "sendings": sendings,
        "form": form,
        "editable": not news_item_is_sent(item),
    }
    return render(request, "community/news_detail.html", context, status=status or (400 if form.errors else 200))


@team_required
def news_detail_view(request: HttpRequest, news_item_id: int) -> HttpResponse:
    return _detail_page(request, news_item_id)


def _sent_refusal(request: HttpRequest, news_item_id: int, error: ConflictError | None = None) -> HttpResponse:
    """An edit of an item that has been sent: the item's page again, with the reason, as a conflict (409)."""
    messages.error(
        request,
        error.message
        if error is not None
        else _("This news item has been sent, so it can no longer be changed. Nothing was changed."),
    )
    return _detail_page(request, news_item_id, status=409)


@team_required
def news_edit_view(request: HttpRequest, news_item_id: int) -> HttpResponse:
    item, _sendings = news_item_detail(news_item_id=news_item_id)
    if news_item_is_sent(item):
        return _sent_refusal(request, item.pk)
    initial = {name: getattr(item, name) for name in NewsItemForm.base_fields}
    form = NewsItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            news_item_update(news_item_id=item.pk, updated_by=request.user, **form.cleaned_data)
        except ConflictError as error:  # sent while this form was open
            return _sent_refusal(request, item.pk, error)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("News item changed. Check the preview, then send it."))
            return HttpResponseRedirect(reverse("community:news_detail", args=[item.pk]))
    context = {"nav_active": "news", "item": item, "form": form}
    return render(request, "community/news_edit.html", context, status=400 if form.errors else 200)


def _send_form(request: HttpRequest, data: Any) -> NewsSendForm:
    plateaus, flows = segment_options()
    return NewsSendForm(data, plateaus=plateaus, flows=flows)


@team_required
def news_confirm_view(request: HttpRequest, news_item_id: int) -> HttpResponse:
    """The step before sending: to whom, how many, and both previews; nothing is written here."""
    item, _sendings = news_item_detail(news_item_id=news_item_id)
    form = _send_form(request, request.GET)
    if form.is_valid():
        try:
            description, count = news_sending_preview(**form.cleaned_data)
            if count == 0:
                raise ValidationError({"segment": [_("Nobody is in this group: there is no one to send the news to.")]})
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return _confirm_page(request, item=item, form=form, description=description, count=count)
    return _detail_page(request, item.pk, form)


def _confirm_page(
    request: HttpRequest, *, item: Any, form: NewsSendForm, description: str, count: int, status: int = 200
) -> HttpResponse:
    context = {
        "nav_active": "news",
        "item": item,
        "form": form,
        "description": description,
        "count": count,
        "digest": news_item_digest(item),
    }
    return render(request, "community/news_confirm.html", context, status=status)


@require_POST
@team_required
def news_send_view(request: HttpRequest, news_item_id: int) -> HttpResponse:
    item, _sendings = news_item_detail(news_item_id=news_item_id)
    form = _send_form(request, request.POST)
    if not form.is_valid():
        return _detail_page(request, item.pk, form)
    try:
        submit_token = submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD))
    except ValidationError as error:
        # The confirmation again, with the reason and a new submit code, to send from there.
        form_errors_add(form, error)
        description, count = news_sending_preview(**form.cleaned_data)
        return _confirm_page(request, item=item, form=form, description=description, count=count, status=400)
    try:
        sending = news_sending_start(
            news_item_id=item.pk,
            started_by=request.user,
            submit_token=submit_token,
            expected_digest=request.POST.get("digest", ""),
            **form.cleaned_data,
        )
    except ConflictError as error:
        messages.error(request, error.message)
        return _detail_page(request, item.pk, status=409)
    except ValidationError as error:
        form_errors_add(form, error)
        return _detail_page(request, item.pk, form)
    messages.success(
        request,
        _("Sending to %(count)s recipients: %(segment)s.") % {"count": sending.total, "segment": sending.segment_label},
    )
    return HttpResponseRedirect(reverse("community:news_detail", args=[item.pk]) + "#sendings")


urlpatterns = [
    path("team/news/", news_list_view, name="news_list"),
    path("team/news/<int:news_item_id>/", news_detail_view, name="news_detail"),
    path("team/news/<int:news_item_id>/edit/", news_edit_view, name="news_edit"),
    path("team/news/<int:news_item_id>/confirm/", news_confirm_view, name="news_confirm"),
    path("team/news/<int:news_item_id>/send/", news_send_view, name="news_send"),
]
