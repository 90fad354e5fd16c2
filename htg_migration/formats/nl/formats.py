# "b" is the month's lower-case abbreviation ("mei", "okt"); "M" would capitalise it.
SHORT_DATE_FORMAT = "j b Y"
SHORT_DATETIME_FORMAT = "j b Y H:i"
