"""The programme's own date formats per language (FORMAT_MODULE_PATH), on top of Django's.

Tables show a short date as SHORT_DATE_FORMAT / SHORT_DATETIME_FORMAT: "14 May 2020" in English and "14 mei 2020"
in Dutch. Django's "M" capitalises every month ("14 Mei 2020"), and Dutch months are lower case, so Dutch uses "b".
"""
