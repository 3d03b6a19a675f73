from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("courses.urls")),
    path("", include("submissions.urls")),
    path("", include("review.urls")),
    path("", include("operations.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password change and reset (Django's views, the site's templates under registration/).
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("similarity.urls")),
    path("", include("coursestats.urls")),
    path("", include("regrade.urls")),
    path("", include("gradebook.urls")),
    path("admin/", admin.site.urls),
]
