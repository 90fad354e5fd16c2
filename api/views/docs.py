"""The OpenAPI 3.1 schema, Swagger UI and ReDoc, all served by the app (drf-spectacular-sidecar: no CDN).

The pages are drf-spectacular's own views with the project's templates (templates/api/): no inline script (Swagger
UI's start script is its own request, `SpectacularSwaggerSplitView`; ReDoc starts from its `<redoc>` element), no
font from elsewhere. The one relaxation of the Content-Security-Policy on these two pages is `style-src
'unsafe-inline'`: both libraries put their styles into the page at run time (ReDoc's styled-components a <style>
element), which the policy would otherwise block, and their icons are data: images; ReDoc also starts its search
worker from a blob: of its own bundle (`worker-src blob:`, ReDoc's page only). Scripts stay 'self' only. The
schema is public documentation and holds no data."""

from typing import Any

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

DOCS_CSP = csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})
# ReDoc runs its search index in a Web Worker that it starts from a blob: of its own (already trusted) bundle.
REDOC_CSP = csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"], "worker-src": ["blob:"]})


class SchemaView(SpectacularAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []


@method_decorator(DOCS_CSP, name="dispatch")
class SwaggerView(SpectacularSwaggerSplitView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    template_name = "api/swagger_ui.html"


@method_decorator(REDOC_CSP, name="dispatch")
class RedocView(SpectacularRedocView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    template_name = "api/redoc.html"
