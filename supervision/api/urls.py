from rest_framework.routers import SimpleRouter

from supervision.api import units, views

router = SimpleRouter()
router.register("problems", views.ProblemViewSet, basename="problem")
router.register("units", units.UnitViewSet, basename="unit")
router.register("service-teams", views.ServiceTeamViewSet, basename="service-team")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("service-logs", views.ServiceLogViewSet, basename="service-log")
router.register("milestones", views.MilestoneViewSet, basename="milestone")

urlpatterns = router.urls
