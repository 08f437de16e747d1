from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="account_profile"),
    path("signup/", views.SignupView.as_view(), name="account_signup"),
]
