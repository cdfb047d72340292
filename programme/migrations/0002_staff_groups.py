"""The programme's staff roles, as groups: each gives one job what it needs, nothing more.

Running it again (or calling `create_staff_groups`) puts each group's permissions
back to this list. What each role can see and do is described in docs/operating.md.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COORDINATOR = "Coordinator"
VETTING = "Vetting"
SAFETY = "Safety"
REPORTING = "Reporting (read only)"

GROUP_PERMISSIONS = {
    COORDINATOR: [
        "programme.view_dashboard",
        "programme.view_queue",
        # Matching: pairings (approve, reject, reassign), batch runs, the unmatched
        # queue and the programme's matching rules.
        "matching.view_match",
        "matching.add_match",
        "matching.change_match",
        "matching.view_batchrun",
        "matching.add_batchrun",
        "matching.view_matchingsettings",
        "matching.change_matchingsettings",
        "matching.view_block",
        "matching.view_report",
        "matching.change_report",
        # Members: read records (behind the reason step) and vet mentors.
        "members.view_member",
        "members.change_member",
        "members.view_tag",
        "members.view_language",
        # A pairing's page lists its check-ins; cadences are set per match.
        "checkins.view_checkin",
        "checkins.view_checkinsettings",
        "checkins.change_checkinsettings",
        "checkins.view_matchcadence",
        "checkins.add_matchcadence",
        "checkins.change_matchcadence",
        "messaging.view_conversation",
        # In a small programme the coordinator is also who clears a hold.
        "safety.view_helprequest",
        "safety.change_helprequest",
        # Content members read.
        "safety.view_resourcespage",
        "safety.change_resourcespage",
        "recovery.view_instrument",
        "recovery.add_instrument",
        "recovery.change_instrument",
        "recovery.view_instrumentversion",
        "recovery.change_instrumentversion",
    ],
    VETTING: [
        "members.view_member",
        "members.change_member",
    ],
    SAFETY: [
        "programme.view_queue",
        # Holds: read and clear.
        "safety.view_helprequest",
        "safety.change_helprequest",
        "safety.view_safetysettings",
        "safety.change_safetysettings",
        "safety.view_resourcespage",
        # Reports: read and act; blocks: read and lift.
        "matching.view_report",
        "matching.change_report",
        "matching.view_block",
        "matching.delete_block",
        "matching.view_match",
        # Check-in concerns: read and acknowledge.
        "checkins.view_checkin",
        "checkins.change_checkin",
        # The crisis phrases that alert staff.
        "messaging.view_messagingsettings",
        "messaging.change_messagingsettings",
        # Who the member is (behind the reason step), to reach them.
        "members.view_member",
    ],
    # Numbers only: no member-level list or record.
    REPORTING: [
        "programme.view_dashboard",
    ],
}


def create_staff_groups(apps, schema_editor):
    """Create each role's group, or put its permissions back to the list above."""
    # On a fresh database permissions are made after all migrations: make them now.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.update_or_create(name=name)
        wanted = []
        for permission in permissions:
            app_label, codename = permission.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("programme", "0001_initial"),
        ("members", "0010_share_recovery_goal_and_step_consent"),
        ("matching", "0005_member_notification_and_answer_reminder"),
        ("checkins", "0002_schedule_periodic_tasks"),
        ("messaging", "0004_crisis_phrase_on_messages_and_staff_alert_on"),
        ("safety", "0005_starter_resources"),
        ("recovery", "0002_starter_instrument"),
    ]

    operations = [migrations.RunPython(create_staff_groups, migrations.RunPython.noop)]
