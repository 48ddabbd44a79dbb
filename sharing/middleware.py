import time

from sharing.services import share_visited

# The Cockpit Shares list shows a share's last visit to the hour: noting it more often would only cost writes.
SHARE_VISIT_RESOLUTION_SECONDS = 60 * 60


class ShareVisitMiddleware:
    """Note a visit of a shared cockpit for its share's "last visit", at most hourly per session.

    Runs after cockpit.middleware.CockpitAccessMiddleware, which has let the person in and set request.instance.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        instance = getattr(request, "instance", None)
        if instance is None or instance.pk == request.user.company.instance_id:
            return None
        key = f"share_visit_{instance.pk}"
        now = int(time.time())
        if now - request.session.get(key, 0) >= SHARE_VISIT_RESOLUTION_SECONDS:
            request.session[key] = now
            share_visited(user_id=request.user.pk, instance_id=instance.pk)
        return None
