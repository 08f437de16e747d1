"""Standard claims of the test provider's people (django.contrib.auth users)."""


def userinfo(claims: dict, user) -> dict:
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["name"] = f"{user.first_name} {user.last_name}".strip()
    claims["preferred_username"] = user.username
    claims["email"] = user.email
    claims["email_verified"] = True
    return claims
