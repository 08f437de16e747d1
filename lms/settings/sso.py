"""Single sign-on through allauth's OpenID Connect provider, configured by the environment."""
