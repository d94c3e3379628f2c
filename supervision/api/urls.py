from rest_framework.routers import SimpleRouter

from . import ranking_views, views

router = SimpleRouter()
router.register("problems", views.ProblemViewSet, basename="problem")
router.register("service-teams", views.ServiceTeamViewSet, basename="service-team")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("service-logs", views.ServiceLogViewSet, basename="service-log")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("rankings", ranking_views.RankingViewSet, basename="ranking")
router.register("bulletins", ranking_views.BulletinViewSet, basename="bulletin")

urlpatterns = router.urls
