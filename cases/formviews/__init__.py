"""The form screens of casework (issue 3): referral, plan, actions, measurements, case conferences, the
coordinator, status, involvements, household members, consent, and the household search.

Every view loads its case through ``Case.objects.visible_to(user)`` (404 otherwise, on GET and POST alike),
lets a form check the shape of the input and a service in ``cases/services.py`` do the write, and on
success redirects to the household page with a message (post/redirect/get).
"""
