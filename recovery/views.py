from django.http import Http404


def check(request):
    raise Http404


def trend(request):
    raise Http404
