from django.http import Http404


def mine(request):
    raise Http404
