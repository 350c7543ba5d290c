from __future__ import annotations

import datetime

import factory

from agenda.models import Appointment, Task
from tests.cases.factories import CaseFactory
from tests.organisations.factories import UserFactory


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    case = factory.SubFactory(CaseFactory)
    owner = factory.SubFactory(UserFactory)
    title = "De school bellen over het verzuim"
    due_on = datetime.date(2025, 6, 4)
    created_by = factory.SelfAttribute("owner")


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    case = factory.SubFactory(CaseFactory)
    owner = factory.SubFactory(UserFactory)
    title = "Huisbezoek bij de familie"
    starts_at = datetime.datetime(2025, 6, 3, 8, 30, tzinfo=datetime.UTC)
    place = "Thuis, Dorpsstraat 1"
    created_by = factory.SelfAttribute("owner")
