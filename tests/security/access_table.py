"""Expected outcome of a GET per URL name and role (read by test_url_matrix.py).

One row per URL name (unnamed project patterns: their route), one column per role, in the order
of ROLES. L: redirect to the login page; R: any other redirect (in the Wagtail admin: "no
permission", back to the dashboard); a number: that HTTP status. Objects in the URLs belong to
participant A (organisation A). 404 for other people means "not theirs"; 405 marks POST-only
routes (GET shows they exist; POSTs by other people are in test_object_probes.py).
Where a case is a known bug, the row says what SHOULD happen and EXPECTED_BUGS lists it.
"""

L, R = "login", "redirect"

ROLES = (
    "anonymous",
    "participant_a",
    "participant_b",
    "trainer",
    "coordinator",
    "provider_coordinator_a",
    "provider_coordinator_other",
    "superuser",
)

# fmt: off
#   anonymous, participant A, participant B, trainer, Koordination, Träger-Koordination A,
#   Träger-Koordination other organisation, superuser
_TABLE: dict[str, tuple] = {
    "account_change_password":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "account_confirm_email":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "account_confirm_login_code":
        (L, R, R, R, R, R, R, R),
    "account_email":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "account_email_verification_sent":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "account_inactive":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "account_login":
        (200, R, R, R, R, R, R, R),
    "account_logout":
        (R, 200, 200, 200, 200, 200, 200, 200),
    "account_profile":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "account_reauthenticate":
        (L, 200, 200, 200, 200, 200, 200, 200),
    # Two-factor authentication: staff have an authenticator app (required), participants not.
    # Setting one up or changing it asks for the password first (R: to the confirmation).
    "mfa_index":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "mfa_activate_totp":
        (L, R, R, R, R, R, R, R),
    "mfa_deactivate_totp":
        (L, 404, 404, R, R, R, R, R),
    "mfa_authenticate":  # only during a sign-in that waits for the code
        (L, R, R, R, R, R, R, R),
    "mfa_reauthenticate":
        (L, R, R, 200, 200, 200, 200, 200),
    "mfa_view_recovery_codes":
        (L, 404, 404, R, R, R, R, R),
    "mfa_download_recovery_codes":
        (L, 404, 404, R, R, R, R, R),
    "mfa_generate_recovery_codes":
        (L, R, R, R, R, R, R, R),
    # "Angemeldete Geräte": one's own sessions only.
    "usersessions_list":
        (L, 200, 200, 200, 200, 200, 200, 200),
    # Single sign-on is switched off unless configured (tests/accounts/test_sso.py switches it on).
    "openid_connect_login":
        (404, 404, 404, 404, 404, 404, 404, 404),
    "openid_connect_callback":
        (404, 404, 404, 404, 404, 404, 404, 404),
    "socialaccount_connections":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "socialaccount_login_cancelled":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "socialaccount_login_error":  # allauth answers the error page with 401
        (401, 401, 401, 401, 401, 401, 401, 401),
    "socialaccount_signup":  # only during a single sign-on that needs more details
        (L, L, L, L, L, L, L, L),
    "account_request_login_code":
        (200, R, R, R, R, R, R, R),
    "account_reset_password":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_done":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_from_key":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_from_key_done":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "account_set_password":
        (L, R, R, R, R, R, R, R),
    "account_signup":
        (200, R, R, R, R, R, R, R),
    "admin/reports/site-history/":
        (L, 403, 403, 403, 200, 403, 403, 200),
    "admin/reports/site-history/results/":
        (L, 403, 403, 403, 200, 403, 403, 200),
    "certificate_download":
        (L, 200, 404, 404, 200, 200, 404, 200),
    "certificate_verify":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "certificate_verify_json":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "certificates_certificate:add":
        (L, L, L, R, R, R, R, R),
    "certificates_certificate:delete":
        (L, L, L, R, R, R, R, R),
    "certificates_certificate:edit":
        (L, L, L, R, R, R, R, R),
    "certificates_certificate:history":
        (L, L, L, 404, 200, 200, 404, 200),
    "certificates_certificate:history_results":
        (L, L, L, 404, 200, 200, 404, 200),
    "certificates_certificate:inspect":
        (L, L, L, 404, 200, 200, 404, 200),
    "certificates_certificate:list":
        (L, L, L, R, 200, 200, 200, 200),
    "certificates_certificate:list_results":
        (L, L, L, R, 200, 200, 200, 200),
    "certificates_certificate:reissue":
        (L, L, L, R, 200, 200, 404, 200),
    "certificates_certificate:rerender":
        (L, L, L, 405, 405, 405, 405, 405),
    "certificates_certificate:revoke":
        (L, L, L, R, R, R, R, R),
    "certificates_certificate:usage":
        (L, L, L, R, R, R, R, R),
    "certificates_eligible:add":
        (L, L, L, R, R, R, R, R),
    "certificates_eligible:delete":
        (L, L, L, R, R, R, R, R),
    "certificates_eligible:edit":
        (L, L, L, R, R, R, R, R),
    "certificates_eligible:history":
        (L, L, L, R, R, R, R, R),
    "certificates_eligible:history_results":
        (L, L, L, R, R, R, R, R),
    "certificates_eligible:issue_all":
        (L, L, L, R, 200, 200, 200, 200),
    "certificates_eligible:issue_one":
        (L, L, L, 405, 405, 405, 405, 405),
    "certificates_eligible:list":
        (L, L, L, R, 200, 200, 200, 200),
    "certificates_eligible:list_results":
        (L, L, L, R, 200, 200, 200, 200),
    "certificates_eligible:usage":
        (L, L, L, R, R, R, R, R),
    "certificates_template:add":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:copy":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:delete":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:edit":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:history":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:history_results":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:list":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:list_results":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:preview_on_add":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:preview_on_edit":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:revisions_compare":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:revisions_revert":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:revisions_view":
        (L, L, L, R, 200, R, R, 200),
    "certificates_template:usage":
        (L, L, L, R, 200, R, R, 200),
    "coordination:coverage":
        (L, L, L, R, 200, 200, 200, 200),
    "coordination:dates":
        (L, L, L, R, 200, 200, 200, 200),
    "coordination:dates_results":
        (L, L, L, R, 200, 200, 200, 200),
    "coordination:enrol_person":
        (L, L, L, 405, 405, 405, 405, 405),
    "coordination:import":
        (L, L, L, R, 200, 200, 200, 200),
    "coordination:issue_for_person":
        (L, L, L, 405, 405, 405, 405, 405),
    "coordination:modules":
        (L, L, L, R, 200, 200, 200, 200),
    "coordination:modules_results":
        (L, L, L, R, 200, 200, 200, 200),
    "coordination:participation":
        (L, L, L, R, 200, 200, 200, 200),
    "coordination:participation_results":
        (L, L, L, R, 200, 200, 200, 200),
    # Wagtail's user admin, with a password confirmation before roles can be changed (R for
    # those allowed: to the confirmation; for the others: Wagtail's "no permission" redirect).
    "wagtailusers_users:add":
        (L, L, L, R, R, R, R, R),
    "wagtailusers_users:edit":
        (L, L, L, R, R, R, R, R),
    "coordination:people":
        (L, L, L, R, 200, 200, 200, 200),
    "coordination:person":
        (L, L, L, R, 200, 200, 404, 200),
    "coordination:remind_person":
        (L, L, L, 405, 405, 405, 405, 405),
    "course_enrol":
        (L, 405, 405, 405, 405, 405, 405, 405),
    "course_withdraw":
        (L, 405, 405, 405, 405, 405, 405, 405),
    "follow_invitation":
        (R, R, R, R, R, R, R, R),
    "healthz":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "learner_dashboard":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "learner_notes":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "lesson_check":
        (L, 405, 405, 405, 405, 405, 405, 405),
    "lesson_complete":
        (L, 405, 405, 405, 405, 405, 405, 405),
    "lesson_reflection":
        (L, 405, 405, 405, 405, 405, 405, 405),
    "lesson_search":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "my_certificates":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "privacy_account_deleted":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "privacy_delete_account":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "privacy_my_data":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "privacy_my_data_json":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "wagtailadmin_reports:site_history":
        (L, 403, 403, 403, 200, 403, 403, 200),
    "wagtailadmin_reports:site_history_results":
        (L, 403, 403, 403, 200, 403, 403, 200),
    "wagtailsnippetchoosers_certificates_certificate:choose":
        (L, L, L, R, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_certificate:choose_results":
        (L, L, L, R, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_certificate:chosen":
        (L, L, L, 404, 200, 200, 404, 200),
    "wagtailsnippetchoosers_certificates_certificate:chosen_multiple":
        (L, L, L, 200, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_certificate:create":
        (L, L, L, R, R, R, R, R),
    "wagtailsnippetchoosers_certificates_certificatetemplate:choose":
        (L, L, L, 200, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_certificatetemplate:choose_results":
        (L, L, L, 200, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_certificatetemplate:chosen":
        (L, L, L, 200, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_certificatetemplate:chosen_multiple":
        (L, L, L, 200, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_certificatetemplate:create":
        (L, L, L, R, 200, R, R, 200),
    "wagtailsnippetchoosers_certificates_completionwithoutcertificate:choose":
        (L, L, L, R, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_completionwithoutcertificate:choose_results":
        (L, L, L, R, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_completionwithoutcertificate:chosen":
        (L, L, L, 404, 200, 200, 404, 200),
    "wagtailsnippetchoosers_certificates_completionwithoutcertificate:chosen_multiple":
        (L, L, L, 200, 200, 200, 200, 200),
    "wagtailsnippetchoosers_certificates_completionwithoutcertificate:create":
        (L, L, L, R, R, R, R, R),
    "workshop_calendar_feed":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "workshop_calendar_renew":
        (L, 405, 405, 405, 405, 405, 405, 405),
    "workshop_calendar_revoke":
        (L, 405, 405, 405, 405, 405, 405, 405),
    "workshop_cancel":
        (L, 405, 405, 405, 405, 405, 405, 405),
    "workshop_date":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "workshop_date_ics":
        (200, 200, 200, 200, 200, 200, 200, 200),
    "workshop_dates:add":
        (L, L, L, 200, 200, R, R, 200),
    "workshop_dates:cancel":
        (L, L, L, R, 200, R, R, 200),
    "workshop_dates:copy":
        (L, L, L, 200, 200, R, R, 200),
    "workshop_dates:delete":
        (L, L, L, R, R, 404, 404, R),
    "workshop_dates:edit":
        (L, L, L, 200, 200, R, R, 200),
    "workshop_dates:history":
        (L, L, L, 200, 200, 404, 404, 200),
    "workshop_dates:history_results":
        (L, L, L, 200, 200, 404, 404, 200),
    # Wagtail pages (served through the content cache): a lesson of participant A's course.
    # Lessons are open to everyone signed in; the content is the same for all.
    "wagtail_serve":
        (L, 200, 200, 200, 200, 200, 200, 200),
    "workshop_dates:index":
        (L, L, L, 200, 200, R, R, 200),
    "workshop_dates:index_results":
        (L, L, L, 200, 200, R, R, 200),
    "workshop_dates:usage":
        (L, L, L, 200, 200, 404, 404, 200),
    "workshop_my_dates":
        (L, 403, 403, 200, 200, 403, 403, 200),
    "workshop_register":
        (L, 405, 405, 405, 405, 405, 405, 405),
    # Koordination takes a person off a date (with a reason): nobody else.
    "workshop_release_place":
        (L, 403, 403, 403, 200, 403, 403, 200),
    "workshop_roster":
        (L, 403, 403, 200, 200, 403, 403, 200),
    "workshop_sign_in_sheet":
        (L, 403, 403, 200, 200, 403, 403, 200),
}
# fmt: on

ACCESS: dict[str, dict[str, int | str]] = {
    name: dict(zip(ROLES, row, strict=True)) for name, row in _TABLE.items()
}

# Real access-control bugs: ACCESS says what SHOULD happen; listed cases run as strict xfail.
# (The unscoped snippet choosers for certificates, found by this matrix, are fixed.)
EXPECTED_BUGS: dict[tuple[str, str], str] = {}
