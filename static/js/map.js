// The home search's map (Leaflet, static/vendor/leaflet-1.9.4): numbered pins for the shops found, the search
// circle, a scale, and the tiles of MAP_TILE_URL when one is configured (none: the pins on a plain background).
// The API answers in WGS-84; tiles drawn in GCJ-02 (MAP_TILE_CRS=gcj02) get the pins shifted the same way.
window.ChefuMap = (function () {
  "use strict";

  // WGS-84 -> GCJ-02, the published formula (stores/coords.py has the same with its inverse).
  const A = 6378245.0;
  const EE = 0.00669342162296594323;

  function outOfChina(lat, lng) {
    return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function transformLat(x, y) {
    let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
    ret += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
    ret += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
    return ret;
  }

  function transformLng(x, y) {
    let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
    ret += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
    ret += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
    return ret;
  }

  function wgs84ToGcj02(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    let dLat = transformLat(lng - 105.0, lat - 35.0);
    let dLng = transformLng(lng - 105.0, lat - 35.0);
    const radLat = (lat / 180.0) * Math.PI;
    let magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    const sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
    dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lng + dLng];
  }

  function create(element, onSelect) {
    const options = element.dataset;
    const shift = options.tileCrs === "gcj02" ? wgs84ToGcj02 : (lat, lng) => [lat, lng];
    const map = L.map(element, { zoomControl: true, attributionControl: Boolean(options.tileUrl) });
    if (options.tileUrl) {
      const tiles = L.tileLayer(options.tileUrl, { maxZoom: 19, attribution: options.attribution || "" }).addTo(map);
      // An unreachable tile server leaves the pins, the circle and the scale on the plain background.
      tiles.on("tileerror", () => element.classList.add("no-tiles"));
      tiles.on("tileload", () => element.classList.remove("no-tiles"));
    } else {
      element.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);
    map.setView(shift(31.2304, 121.4737), 11); // Shanghai until the first search
    const layer = L.layerGroup().addTo(map);
    const pins = new Map();

    function pinIcon(number, selected) {
      const label = document.createElement("span");
      label.textContent = String(number);
      return L.divIcon({
        className: "shop-pin" + (selected ? " selected" : ""),
        html: label,
        iconSize: [28, 28],
        iconAnchor: [14, 14],
      });
    }

    // The shops found (the API's items, in list order) around the searched point and radius.
    function show(items, center, radiusM) {
      layer.clearLayers();
      pins.clear();
      const area = L.circle(shift(center.lat, center.lng), {
        radius: radiusM,
        className: "search-area",
        interactive: false,
      }).addTo(layer);
      L.circleMarker(shift(center.lat, center.lng), { radius: 6, className: "you-are-here", interactive: false })
        .bindTooltip(options.you)
        .addTo(layer);
      items.forEach(function (item, index) {
        const marker = L.marker(shift(item.lat, item.lng), {
          icon: pinIcon(index + 1, false),
          title: item.name,
          alt: item.name,
          keyboard: true,
        });
        marker.number = index + 1;
        marker.on("click", () => onSelect(item.id, "map"));
        marker.addTo(layer);
        pins.set(item.id, marker);
      });
      map.fitBounds(area.getBounds(), { padding: [8, 8] });
    }

    let selected = null;
    function highlight(id) {
      if (selected !== null && pins.has(selected)) {
        const old = pins.get(selected);
        old.setIcon(pinIcon(old.number, false));
        old.setZIndexOffset(0);
      }
      selected = id;
      const marker = pins.get(id);
      if (!marker) return;
      marker.setIcon(pinIcon(marker.number, true));
      marker.setZIndexOffset(1000);
      if (!map.getBounds().contains(marker.getLatLng())) map.panTo(marker.getLatLng());
    }

    return {
      show: show,
      highlight: highlight,
      resize: () => map.invalidateSize(),
      pinCount: () => pins.size,
    };
  }

  return { create: create, wgs84ToGcj02: wgs84ToGcj02 };
})();
