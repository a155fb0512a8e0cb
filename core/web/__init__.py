"""The web shell: sign-in, the school picker, the school home, language, CSRF."""
