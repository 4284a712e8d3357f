# Dates as shelters write them on paperwork ("4 May 2026"), on a 24-hour clock; Spanish and German
# pages use Django's own formats for their languages.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
