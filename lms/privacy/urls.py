from django.urls import path

from . import views

urlpatterns = [
    path("konto/meine-daten/", views.my_data, name="privacy_my_data"),
    path("konto/meine-daten.json", views.my_data_json, name="privacy_my_data_json"),
    path("konto/loeschen/", views.delete_account, name="privacy_delete_account"),
    path("konto/geloescht/", views.account_deleted, name="privacy_account_deleted"),
]
