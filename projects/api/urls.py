from rest_framework.routers import SimpleRouter

from projects.api import reference, views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("industries", reference.IndustryViewSet, basename="industry")
router.register("enterprises", reference.EnterpriseViewSet, basename="enterprise")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("investment-reports", views.InvestmentReportViewSet, basename="investment-report")
router.register("targets", views.AnnualTargetViewSet, basename="target")

urlpatterns = router.urls
