"""Language and time zone of the current request, and validation of IANA zone names."""
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from flask import request
from flask_login import current_user

LANGUAGES = ("ja", "en")


def select_locale():
    """The user's chosen language, else the browser's preference among ja and en."""
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or "en"


def select_timezone():
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


@lru_cache(maxsize=1)
def zone_names() -> frozenset:
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    """True when `name` is an IANA time zone this server knows."""
    return bool(name) and name in zone_names()


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def init_app(app):
    """Template helpers: the page language, and dates shown in the viewer's time zone."""
    from flask_babel import format_date, format_datetime, get_locale

    @app.context_processor
    def language():
        return {"lang": str(get_locale() or "en")}

    @app.template_filter("dt")
    def datetime_filter(value):
        return format_datetime(value, "short") if value else ""

    @app.template_filter("device_name")
    def device_name(user_agent):
        """A short, recognisable name for a browser from its User-Agent."""
        ua = user_agent or ""
        system = next((name for key, name in (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
                                                ("Windows", "Windows"), ("Mac OS", "Mac"), ("Linux", "Linux")) if key in ua), "")
        browser = next((name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                                                 ("Safari/", "Safari")) if key in ua), "")
        return " · ".join(p for p in (system, browser) if p) or "?"

    @app.template_filter("month")
    def month_filter(value):
        return format_date(value, "MMM yyyy") if value else ""

    @app.template_filter("d")
    def date_filter(value):
        return format_date(value, "medium") if value else ""
