from playwright.sync_api import Page, expect

from tests.factories import current_totp_code

PASSWORD = "demo-lms-2026"


def log_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form; staff roles then enter the code of their authenticator app."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    signed_in = page.get_by_role("button", name="Abmelden")
    code_field = page.get_by_label("Code", exact=True)
    expect(signed_in.or_(code_field)).to_be_visible()
    if code_field.is_visible():
        code_field.fill(current_totp_code())
        page.get_by_role("button", name="Anmelden").click()
    expect(signed_in).to_be_visible()
