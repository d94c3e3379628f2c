"""Supervision visits (督导日): the list, and recording one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from projects.models import Project
from supervision import services
from supervision.filtersets import VisitFilterSet
from supervision.forms import VisitForm, visit_regions_for
from supervision.models import SupervisionVisit
from supervision.views.common import prepare_filter_form
from zhaoqing_tracker.forms import add_service_error
from zhaoqing_tracker.web import login_required, page_of, require_perms


@login_required
def visit_list(request):
    queryset = (
        SupervisionVisit.objects.visible_to(request.user)
        .select_related("region", "leader")
        .prefetch_related(Prefetch("projects", queryset=Project.objects.only("id", "code", "name")))
        .annotate(problem_count=Count("problems", distinct=True))
        .order_by("-on", "-id")
    )
    filterset = VisitFilterSet(request.GET, queryset=queryset, request=request)
    form = prepare_filter_form(filterset, request, shown=["region", "on_after", "on_before"])
    valid = form.is_valid()
    context = {
        "filter_form": form,
        "page": page_of(request, filterset.qs) if valid else {"rows": []},
        "can_record": request.user.has_perm("supervision.add_supervisionvisit"),
        "can_raise": request.user.has_perm("supervision.add_problem"),
    }
    return render(request, "supervision/visit_list.html", context, status=200 if valid else 400)


def _chosen_region(request, data):
    """The region whose projects the form offers: the one picked, else a county user's own."""
    regions = visit_regions_for(request.user)
    code = data.get("region")
    if code:
        return regions.filter(code=code).first()
    if request.user.region_id is not None:
        return regions.filter(pk=request.user.region_id).first()
    return None


def _typed_so_far(data, region) -> dict:
    initial = {name: data[name] for name in ("on", "leader", "notes") if data.get(name)}
    if region is not None:
        initial["region"] = region.code
        initial["projects"] = data.getlist("projects")
    return initial


@login_required
def visit_record(request):
    require_perms(request, "supervision.add_supervisionvisit")
    data = request.POST if request.method == "POST" else request.GET
    region = _chosen_region(request, data)
    # Picking a region reloads the form with that region's projects (by htmx, or by the
    # "show its projects" button without JavaScript); nothing is saved or checked then.
    if request.method == "GET" or "_refresh" in request.POST:
        form = VisitForm(user=request.user, region=region, initial=_typed_so_far(data, region))
        return render(request, "supervision/visit_form.html", {"form": form, "region": region})
    form = VisitForm(request.POST, user=request.user, region=region)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                on=data["on"],
                region=data["region"],
                leader=data["leader"],
                projects=list(data["projects"]),
                notes=data["notes"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error, model=SupervisionVisit)
        else:
            messages.success(request, _("The supervision visit was recorded."))
            return redirect("supervision:visit_list")
    return render(request, "supervision/visit_form.html", {"form": form, "region": region})
