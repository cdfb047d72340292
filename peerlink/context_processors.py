from django.conf import settings


def site(request):
    """Expose the crisis resources to every template, error pages included."""
    return {
        "crisis_resources": settings.PEERLINK_CRISIS_RESOURCES,
        "crisis_notice": settings.PEERLINK_CRISIS_NOTICE,
    }
