"""Every way of asking the access rules about one person and one entity, for tests that hold them to one answer."""

from entities.access import decode_access_key, entity_access, visible_entities


def agreed_answers(user, entity) -> set:
    """What the list, the paged list, the single-entity check, has_perm and explain say of one entity."""
    from entities.access import entity_page, explain_access

    subject = user.access_subject()
    instance = entity.instance
    listed = {e.pk: decode_access_key(e.access_key) for e in visible_entities(subject, instance)}.get(entity.pk)
    paged = {e.pk: (level, role.pk) for e, role, level in entity_page(subject, instance).rows}.get(entity.pk)
    one = entity_access(subject, entity)
    explanation = explain_access(subject, entity)
    return {
        ("list", listed),
        ("page", paged),
        ("check", (one.level, one.role.pk) if one else None),
        ("has_perm", user.has_perm("entities.view_master_data", entity)),
        ("explain", (explanation.deciding.level, explanation.deciding.role.pk) if explanation.visible else None),
    }
