from rest_framework.routers import SimpleRouter

from projects.api import imports, reference, views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("industries", reference.IndustryViewSet, basename="industry")
router.register("enterprises", reference.EnterpriseViewSet, basename="enterprise")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("investment-reports", views.InvestmentReportViewSet, basename="investment-report")
router.register("targets", views.AnnualTargetViewSet, basename="target")
router.register("imports", imports.LedgerImportViewSet, basename="import")

urlpatterns = router.urls
