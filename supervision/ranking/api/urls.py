from rest_framework.routers import SimpleRouter

from supervision.ranking.api import views

router = SimpleRouter()
router.register("rankings", views.RankingViewSet, basename="ranking")
router.register("bulletins", views.BulletinViewSet, basename="bulletin")

urlpatterns = router.urls
