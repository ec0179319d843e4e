"""``{% map_settings as map %}``: the home search map's tile server, for static/js/map.js (chefu/settings)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def map_settings() -> dict:
    return {
        "tile_url": settings.MAP_TILE_URL,
        "tile_crs": settings.MAP_TILE_CRS,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
    }
