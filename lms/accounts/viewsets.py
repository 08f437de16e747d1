from wagtail.users.views.users import CreateView, EditView
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from .forms import WagtailUserCreationForm, WagtailUserEditForm
from .reauthentication import require_recent_authentication


class RoleChangeReauthenticationMixin:
    """Creating or editing a person assigns roles: confirm the password before the form opens,
    so nothing typed into it is lost to the confirmation. (Wagtail's permission check in
    `dispatch` runs first: people without the permission get 403, not a password prompt.)"""

    def get(self, request, *args, **kwargs):
        require_recent_authentication(request)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        require_recent_authentication(request)
        return super().post(request, *args, **kwargs)


class UserCreateView(RoleChangeReauthenticationMixin, CreateView):
    pass


class UserEditView(RoleChangeReauthenticationMixin, EditView):
    pass


class UserViewSet(WagtailUserViewSet):
    add_view_class = UserCreateView
    edit_view_class = UserEditView

    def get_form_class(self, for_update=False):
        return WagtailUserEditForm if for_update else WagtailUserCreationForm
