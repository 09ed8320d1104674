"""A booking's summary from the store, told in the customer's language (pure).

The booking store writes summaries in English ("Lisbon → Toronto, 2 adults", "hotel + flight").
A reply in Spanish must not carry English words, so the known parts are put into the customer's
language: place names that have their own name in a language (Lisbon is Lisboa in Spanish), the
travellers ("2 adults"), and what was booked ("hotel + flight", "multi-city package"). A word
nobody listed here stays as the store wrote it: a name, most of the time.
"""
from __future__ import annotations

import re

# Places whose name changes with the language (the others are written the same everywhere).
_PLACES: dict[str, dict[str, str]] = {
    "Lisbon": {"es": "Lisboa", "pt": "Lisboa", "de": "Lissabon", "fr": "Lisbonne", "it": "Lisbona", "nl": "Lissabon"},
    "New York": {"es": "Nueva York", "pt": "Nova York", "de": "New York", "fr": "New York", "it": "New York",
                 "nl": "New York"},
    "Mexico City": {"es": "Ciudad de México", "pt": "Cidade do México", "de": "Mexiko-Stadt", "fr": "Mexico",
                    "it": "Città del Messico", "nl": "Mexico-Stad"},
    "Bogotá": {"de": "Bogotá", "fr": "Bogota", "it": "Bogotà", "nl": "Bogota"},
    "Cusco": {"pt": "Cusco", "fr": "Cuzco", "it": "Cuzco", "nl": "Cuzco"},
    "Palma de Mallorca": {"de": "Palma", "fr": "Palma de Majorque", "it": "Palma di Maiorca", "nl": "Palma"},
    "London": {"es": "Londres", "pt": "Londres", "fr": "Londres", "it": "Londra", "nl": "Londen"},
    "Rome": {"es": "Roma", "pt": "Roma", "de": "Rom", "it": "Roma", "nl": "Rome"},
    "Munich": {"es": "Múnich", "pt": "Munique", "de": "München", "it": "Monaco di Baviera", "nl": "München"},
    "Cologne": {"es": "Colonia", "pt": "Colônia", "de": "Köln", "it": "Colonia", "nl": "Keulen"},
    "Vienna": {"es": "Viena", "pt": "Viena", "de": "Wien", "fr": "Vienne", "nl": "Wenen"},
    "Brussels": {"es": "Bruselas", "pt": "Bruxelas", "de": "Brüssel", "fr": "Bruxelles", "it": "Bruxelles",
                 "nl": "Brussel"},
    "Geneva": {"es": "Ginebra", "pt": "Genebra", "de": "Genf", "fr": "Genève", "it": "Ginevra", "nl": "Genève"},
    "Zurich": {"es": "Zúrich", "pt": "Zurique", "de": "Zürich", "fr": "Zurich", "it": "Zurigo", "nl": "Zürich"},
    "Florence": {"es": "Florencia", "pt": "Florença", "de": "Florenz", "it": "Firenze", "nl": "Florence"},
    "Venice": {"es": "Venecia", "pt": "Veneza", "de": "Venedig", "fr": "Venise", "it": "Venezia", "nl": "Venetië"},
    "Milan": {"es": "Milán", "pt": "Milão", "de": "Mailand", "it": "Milano", "nl": "Milaan"},
    "Naples": {"es": "Nápoles", "pt": "Nápoles", "de": "Neapel", "it": "Napoli", "nl": "Napels"},
    "Seville": {"es": "Sevilla", "pt": "Sevilha", "de": "Sevilla", "fr": "Séville", "it": "Siviglia", "nl": "Sevilla"},
    "Athens": {"es": "Atenas", "pt": "Atenas", "de": "Athen", "fr": "Athènes", "it": "Atene", "nl": "Athene"},
    "Prague": {"es": "Praga", "pt": "Praga", "de": "Prag", "it": "Praga", "nl": "Praag"},
    "Copenhagen": {"es": "Copenhague", "pt": "Copenhague", "de": "Kopenhagen", "fr": "Copenhague",
                   "it": "Copenaghen", "nl": "Kopenhagen"},
    "Havana": {"es": "La Habana", "pt": "Havana", "de": "Havanna", "fr": "La Havane", "it": "L'Avana",
               "nl": "Havana"},
    "Cape Town": {"es": "Ciudad del Cabo", "pt": "Cidade do Cabo", "de": "Kapstadt", "fr": "Le Cap",
                  "it": "Città del Capo", "nl": "Kaapstad"},
}

# What was booked, and who travels. `{n}` is the number the store wrote.
_PHRASES: dict[str, dict[str, str]] = {
    "hotel + flight": {"es": "hotel + vuelo", "pt": "hotel + voo", "de": "Hotel + Flug", "fr": "hôtel + vol",
                       "it": "hotel + volo", "nl": "hotel + vlucht"},
    "flight + hotel": {"es": "vuelo + hotel", "pt": "voo + hotel", "de": "Flug + Hotel", "fr": "vol + hôtel",
                       "it": "volo + hotel", "nl": "vlucht + hotel"},
    "flight + hotel + car": {"es": "vuelo + hotel + auto", "pt": "voo + hotel + carro", "de": "Flug + Hotel + Auto",
                             "fr": "vol + hôtel + voiture", "it": "volo + hotel + auto",
                             "nl": "vlucht + hotel + auto"},
    "multi-city package": {"es": "paquete multidestino", "pt": "pacote com vários destinos",
                           "de": "Rundreise-Paket", "fr": "séjour multi-destinations", "it": "pacchetto multi-città",
                           "nl": "pakketreis met meerdere steden"},
    "package": {"es": "paquete", "pt": "pacote", "de": "Paket", "fr": "séjour", "it": "pacchetto", "nl": "pakketreis"},
    "car rental": {"es": "alquiler de auto", "pt": "aluguel de carro", "de": "Mietwagen", "fr": "location de voiture",
                   "it": "noleggio auto", "nl": "huurauto"},
    "hotel": {"es": "hotel", "pt": "hotel", "de": "Hotel", "fr": "hôtel", "it": "hotel", "nl": "hotel"},
    "flight": {"es": "vuelo", "pt": "voo", "de": "Flug", "fr": "vol", "it": "volo", "nl": "vlucht"},
    "round trip": {"es": "ida y vuelta", "pt": "ida e volta", "de": "Hin- und Rückflug", "fr": "aller-retour",
                   "it": "andata e ritorno", "nl": "retour"},
    "one way": {"es": "solo ida", "pt": "só ida", "de": "einfach", "fr": "aller simple", "it": "solo andata",
                "nl": "enkele reis"},
    "1 adult": {"es": "1 adulto", "pt": "1 adulto", "de": "1 Erwachsener", "fr": "1 adulte", "it": "1 adulto",
                "nl": "1 volwassene"},
    "{n} adults": {"es": "{n} adultos", "pt": "{n} adultos", "de": "{n} Erwachsene", "fr": "{n} adultes",
                   "it": "{n} adulti", "nl": "{n} volwassenen"},
    "1 child": {"es": "1 niño", "pt": "1 criança", "de": "1 Kind", "fr": "1 enfant", "it": "1 bambino",
                "nl": "1 kind"},
    "{n} children": {"es": "{n} niños", "pt": "{n} crianças", "de": "{n} Kinder", "fr": "{n} enfants",
                     "it": "{n} bambini", "nl": "{n} kinderen"},
    "1 infant": {"es": "1 bebé", "pt": "1 bebê", "de": "1 Kleinkind", "fr": "1 bébé", "it": "1 neonato",
                 "nl": "1 baby"},
    "{n} infants": {"es": "{n} bebés", "pt": "{n} bebês", "de": "{n} Kleinkinder", "fr": "{n} bébés",
                    "it": "{n} neonati", "nl": "{n} baby's"},
    "1 night": {"es": "1 noche", "pt": "1 noite", "de": "1 Nacht", "fr": "1 nuit", "it": "1 notte", "nl": "1 nacht"},
    "{n} nights": {"es": "{n} noches", "pt": "{n} noites", "de": "{n} Nächte", "fr": "{n} nuits", "it": "{n} notti",
                   "nl": "{n} nachten"},
}

_ROUTE = re.compile(r"\s*(?:→|->)\s*")
_COUNTED = re.compile(r"^(\d+)\s+(.+)$")


def localised_summary(summary: str, lang: str) -> str:
    """"Lisbon → Toronto, 2 adults" in Spanish: "Lisboa → Toronto, 2 adultos"."""
    if lang == "en" or not summary:
        return summary
    parts = [part.strip() for part in summary.split(",")]
    return ", ".join(_part(part, lang) for part in parts)


def _part(part: str, lang: str) -> str:
    if _ROUTE.search(part):
        return " → ".join(_place(place, lang) for place in _ROUTE.split(part))
    phrase = _PHRASES.get(part.lower())
    if phrase:
        return phrase.get(lang, part)
    counted = _COUNTED.match(part)
    if counted:
        number, what = counted.groups()
        phrase = _PHRASES.get(f"{{n}} {what.lower()}") if number != "1" else _PHRASES.get(f"1 {what.lower()}")
        if phrase and lang in phrase:
            return phrase[lang].format(n=number)
    return _place(part, lang)


def _place(name: str, lang: str) -> str:
    return _PLACES.get(name.strip(), {}).get(lang, name.strip())
