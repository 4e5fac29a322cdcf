"""Checks across entities: references exist, shares add up, dates are in order."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator

from capsim.scenario.correlations import is_valid, normal_score_matrix
from capsim.scenario.document import Scenario
from capsim.scenario.knowledge import known_findings
from capsim.scenario.params import Param
from capsim.scenario.policy import CapacityLoss, Delay, QualificationFailure
from capsim.scenario.problems import KeyPath
from capsim.scenario.walk import iter_entity_sources, iter_params
from capsim.seeds import load_seed_facts

Finding = tuple[KeyPath, str]
SITE_QUANTITIES = ("packages_installed", "it_power_online", "facility_power_online")
_CAPACITY_OWNERS = ("logic_fabs", "packaging", "hbm_vendors")


def check(scenario: Scenario) -> list[Finding]:
    """Every cross-entity problem in ``scenario``, as (key path, message)."""
    params = list(iter_params(scenario))
    checks = (_references, _shares, _markets, _hbm, _dates, _buildings, _milestones)
    findings = [finding for rule in checks for finding in rule(scenario)]
    findings += _correlations(scenario, params)
    findings += _seed_ids(scenario, params)
    findings += known_findings(params, _split)
    return findings


#: How a finding of a name that no entity (or seed fact) has begins.
UNKNOWN = "unknown "


def unknown_names(scenario: Scenario) -> list[Finding]:
    """The findings of :func:`check` that are names no entity (or seed fact) has."""
    return [finding for finding in check(scenario) if finding[1].startswith(UNKNOWN)]


def _closest(name: str, table: dict) -> str | None:
    """The name in ``table`` closest to the unknown ``name``, if one is close."""
    close = difflib.get_close_matches(name, list(table), n=1)
    return close[0] if close else None


def _ref(kind: str, table: dict, name: str | None, path: KeyPath) -> Iterator[Finding]:
    if name is not None and name not in table:
        close = _closest(name, table)
        hint = f"; did you mean {close!r}?" if close is not None else ""
        known = ", ".join(sorted(table)) or "none defined"
        yield path, f"{UNKNOWN}{kind} {name!r}{hint} (known: {known})"


def _references(s: Scenario) -> Iterator[Finding]:
    generations = {g for vendor in s.hbm_vendors.values() for g in vendor.made}
    for pid, product in s.products.items():
        yield from _ref(
            "logic fab", s.logic_fabs, product.logic.fab, ("products", pid, "logic", "fab")
        )
        if s.hbm_vendors and product.hbm.generation not in generations:
            yield (
                ("products", pid, "hbm", "generation"),
                (
                    f"no HBM vendor makes {product.hbm.generation!r} "
                    f"(made: {', '.join(sorted(generations))})"
                ),
            )
        line = product.packaging.line
        yield from _ref("packaging line", s.packaging, line, ("products", pid, "packaging", "line"))
    for vid, vendor in s.hbm_vendors.items():
        for pid in vendor.qualification:
            yield from _ref("product", s.products, pid, ("hbm_vendors", vid, "qualification", pid))
    tenants: dict[str, list[str]] = {}
    for gid, programme in s.programmes.items():
        yield from _ref("product", s.products, programme.product, ("programmes", gid, "product"))
        for index, site in enumerate(programme.sites):
            path = ("programmes", gid, "sites", index)
            yield from _ref("site", s.sites, site, path)
            meant = _closest(site, s.sites) if site not in s.sites else None
            if meant is not None and gid not in tenants.setdefault(meant, []):
                tenants[meant].append(gid)  # a misspelt site: the one meant is listed
            listed = tenants.setdefault(site, [])
            if gid in listed:
                yield path, f"expected each site once in sites, found {site!r} again"
            else:
                listed.append(gid)
        if programme.power_basis == "facility" and not programme.sites:
            yield (
                ("programmes", gid, "power_basis"),
                ("a facility-power target needs sites (their PUE converts it to IT power)"),
            )
    for sid in s.sites:
        if sid not in tenants:
            yield (
                ("sites", sid),
                f"site {sid!r} is not used by any programme (list it in one's sites)",
            )
    yield from _tenancies(s, tenants)
    for sid, site in s.sites.items():
        yield from _supplier(
            s, site.transformer_supplier, "transformer", ("sites", sid, "transformer_supplier")
        )
        for index, onsite in enumerate(site.power.onsite):
            path = ("sites", sid, "power", "onsite", index, "supplier")
            yield from _supplier(s, onsite.supplier, "turbine", path)
        if (
            any(b.transformers.central > 0 for b in site.buildings)
            and site.transformer_supplier is None
        ):
            yield (
                ("sites", sid, "transformer_supplier"),
                "buildings need transformers: name a supplier",
            )
    for rid, rule in s.export_rules.items():
        for index, pid in enumerate(rule.products or []):
            yield from _ref("product", s.products, pid, ("export_rules", rid, "products", index))
    for funding_id, funding in s.funding.items():
        yield from _ref(
            "programme", s.programmes, funding.programme, ("funding", funding_id, "programme")
        )
    for cid, claim in s.claims.items():
        yield from _ref("milestone", s.milestones, claim.milestone, ("claims", cid, "milestone"))
    for rid, risk in s.risks.items():
        yield from _risk(s, rid, risk.effect)


def _tenancies(s: Scenario, tenants: dict[str, list[str]]) -> Iterator[Finding]:
    """Each building of a site that several programmes list names one of them as its
    ``programme``; a building's ``programme`` lists its site; each tenant has a building
    (checked once every building names a tenant)."""
    for sid, site in s.sites.items():
        listed = tenants.get(sid, [])
        names = ", ".join(listed) or "none"
        findings = []
        for index, building in enumerate(site.buildings):
            path = ("sites", sid, "buildings", index, "programme")
            if building.programme is None:
                if len(listed) > 1:
                    findings.append(
                        (
                            ("sites", sid, "buildings", index),
                            f"site {sid!r} hosts several programmes ({names}): say whose "
                            "building this is with programme: one of them; found none",
                        )
                    )
            elif building.programme not in s.programmes:
                findings += _ref("programme", s.programmes, building.programme, path)
            elif building.programme not in listed:
                findings.append(
                    (
                        path,
                        f"expected a programme that lists site {sid!r} in its sites "
                        f"({names}); found {building.programme!r}, which does not",
                    )
                )
        yield from findings
        if findings or len(listed) < 2:
            continue
        housed = {building.programme for building in site.buildings}
        for gid in listed:
            if gid not in housed:
                yield (
                    ("sites", sid, "buildings"),
                    f"programme {gid!r} lists site {sid!r}: expected a building with "
                    f"programme: {gid}, found none",
                )


def _supplier(s: Scenario, name: str | None, kind: str, path: KeyPath) -> Iterator[Finding]:
    yield from _ref("supplier", s.suppliers, name, path)
    if name in s.suppliers and s.suppliers[name].kind not in (kind, "other"):
        yield path, f"expected a {kind} supplier, found {name!r} of kind {s.suppliers[name].kind!r}"


def _risk(s: Scenario, rid: str, effect) -> Iterator[Finding]:
    path = ("risks", rid, "effect")
    if isinstance(effect, QualificationFailure):
        yield from _ref("HBM vendor", s.hbm_vendors, effect.vendor, (*path, "vendor"))
        yield from _ref("product", s.products, effect.product, (*path, "product"))
    elif isinstance(effect, CapacityLoss):
        table, _, name = effect.target.partition(".")
        if table not in _CAPACITY_OWNERS:
            expected = ", ".join(f"{t}.<id>" for t in _CAPACITY_OWNERS)
            yield (*path, "target"), f"expected one of {expected}, found {effect.target!r}"
        else:
            yield from _ref(
                table.replace("_", " ").rstrip("s"), getattr(s, table), name, (*path, "target")
            )
    elif isinstance(effect, Delay):
        yield from _ref("site", s.sites, effect.site, (*path, "site"))
        if (
            effect.what == "grid"
            and effect.site in s.sites
            and s.sites[effect.site].power.grid is None
        ):
            yield (*path, "what"), f"site {effect.site!r} has no grid connection to delay"


def _shares(s: Scenario) -> Iterator[Finding]:
    for table in _CAPACITY_OWNERS:
        for oid, owner in getattr(s, table).items():
            shares = {**owner.shares}
            shares.update({d: c.share for d, c in owner.contracts.items() if c.share is not None})
            written = "shares" if owner.shares else "contracts"  # where the file has them
            yield from _sum_at_most_one(shares, (table, oid, written))
    by_product: dict[str, dict[str, Param]] = defaultdict(dict)
    for gid, programme in s.programmes.items():
        if programme.share is not None:
            by_product[programme.product][gid] = programme.share
    for pid, shares in by_product.items():
        total = sum(p.central for p in shares.values())
        if total > 1 + 1e-9:
            names = ", ".join(shares)
            yield (
                ("programmes", next(iter(shares)), "share"),
                (
                    f"contracted shares of product {pid!r} add up to {total:.0%} ({names}); "
                    "expected <= 100%"
                ),
            )


def _markets(s: Scenario) -> Iterator[Finding]:
    """Each designer reserves a supplier once; a priority rule names its designers."""
    designers = {product.designer for product in s.products.values()}
    for table in _CAPACITY_OWNERS:
        for oid, owner in getattr(s, table).items():
            for designer in owner.contracts:
                if designer in owner.shares:
                    yield (
                        (table, oid, "contracts", designer),
                        f"designer {designer!r} already has a share here; give one of "
                        "shares and contracts per designer",
                    )
            known = designers | set(owner.shares) | set(owner.contracts)
            if owner.allocation == "priority" and not owner.priority:
                yield (table, oid, "priority"), "allocation priority needs designers in order"
            if owner.allocation != "priority" and owner.priority:
                yield (
                    (table, oid, "priority"),
                    f"priority is used only with allocation priority, found {owner.allocation!r}",
                )
            for key in ("shares", "contracts"):
                for name in getattr(owner, key):
                    yield from _near_designer(name, designers, (table, oid, key, name))
            for index, name in enumerate(owner.priority):
                yield from _ref(
                    "designer", dict.fromkeys(known), name, (table, oid, "priority", index)
                )


def _near_designer(name: str, designers: set[str], path: KeyPath) -> Iterator[Finding]:
    """A designer with no product stands for buyers not modelled; one spelled like a
    designer that has products is more likely a typo."""
    if name in designers:
        return
    close = [d for d in sorted(designers) if d.lower() == name.lower()]
    close = close or difflib.get_close_matches(name, sorted(designers), n=1, cutoff=0.8)
    if close:
        yield (
            path,
            f"designer {name!r} has no product, so it would stand for buyers not modelled; "
            f"did you mean {close[0]!r}?",
        )


def _hbm(s: Scenario) -> Iterator[Finding]:
    """Tooling names generations the vendor makes and adds up to at most 100 %; a
    product sources HBM only from vendors that make its generation and qualify it."""
    for vid, vendor in s.hbm_vendors.items():
        for generation in vendor.tooling:
            yield from _ref(
                "HBM generation",
                vendor.generations,
                generation,
                ("hbm_vendors", vid, "tooling", generation),
            )
        yield from _sum_at_most_one(vendor.tooling, ("hbm_vendors", vid, "tooling"))
        if vendor.capacity is not None:
            given = {"generations", "tooling", "conversion_time"} & vendor.model_fields_set
            for key in sorted(given):
                yield (
                    ("hbm_vendors", vid, key),
                    f"{key} applies to a vendor given as wafers; this one gives capacity "
                    "(stacks by generation)",
                )
        elif sum(share.central for share in vendor.tooling.values()) < 1 - 1e-9:
            total = sum(share.central for share in vendor.tooling.values())
            yield (
                ("hbm_vendors", vid, "tooling"),
                f"tooling adds up to {total:.0%}; expected 100% (wafers set up for no "
                "generation make nothing until converted)",
            )
    for pid, product in s.products.items():
        sourcing = product.hbm.sourcing
        if sourcing is not None and sum(weight.central for weight in sourcing.values()) <= 0:
            yield (
                ("products", pid, "hbm", "sourcing"),
                "sourcing weights add up to 0; expected a positive weight (else the product "
                "orders no HBM)",
            )
        for vid in product.hbm.sourcing or {}:
            path = ("products", pid, "hbm", "sourcing", vid)
            yield from _ref("HBM vendor", s.hbm_vendors, vid, path)
            vendor = s.hbm_vendors.get(vid)
            if vendor is not None and (
                product.hbm.generation not in vendor.made or pid not in vendor.qualification
            ):
                yield (
                    path,
                    (
                        f"vendor {vid!r} does not make {product.hbm.generation!r} for {pid!r} "
                        "(it needs the generation and a qualification for the product)"
                    ),
                )


def _sum_at_most_one(shares: dict[str, Param], path: KeyPath) -> Iterator[Finding]:
    total = sum(param.central for param in shares.values())
    if total > 1 + 1e-9:
        yield path, f"shares add up to {total:.0%}; expected <= 100%"


def _dates(s: Scenario) -> Iterator[Finding]:
    for gid, programme in s.programmes.items():
        if programme.end is not None and programme.end <= programme.start:
            yield (
                ("programmes", gid, "end"),
                (f"end must come after start ({programme.start}), found {programme.end}"),
            )
    for rid, rule in s.export_rules.items():
        if rule.end is not None and rule.end <= rule.start:
            yield (
                ("export_rules", rid, "end"),
                f"end must come after start ({rule.start}), found {rule.end}",
            )
    for cid, claim in s.claims.items():
        if claim.by < s.horizon.start:
            yield (
                ("claims", cid, "by"),
                (f"deadline {claim.by} is before the horizon starts ({s.horizon.start})"),
            )
        elif claim.by > s.horizon.end:
            yield (
                ("claims", cid, "by"),
                (
                    f"deadline {claim.by} is after the horizon ends ({s.horizon.end}): the "
                    f"run could not tell whether it holds; end the horizon on or after "
                    f"{claim.by}"
                ),
            )


def _buildings(s: Scenario) -> Iterator[Finding]:
    for sid, site in s.sites.items():
        seen: dict[str, int] = {}
        for index, building in enumerate(site.buildings):
            if building.id in seen:
                yield (
                    ("sites", sid, "buildings", index, "id"),
                    (
                        f"duplicate building id {building.id!r} "
                        f"(also buildings[{seen[building.id]}])"
                    ),
                )
            seen.setdefault(building.id, index)


def _milestones(s: Scenario) -> Iterator[Finding]:
    for mid, milestone in s.milestones.items():
        path = ("milestones", mid)
        yield from _ref("programme", s.programmes, milestone.programme, (*path, "programme"))
        yield from _ref("site", s.sites, milestone.site, (*path, "site"))
        yield from _ref("product", s.products, milestone.product, (*path, "product"))
        if milestone.site is not None and milestone.quantity not in SITE_QUANTITIES:
            allowed = ", ".join(SITE_QUANTITIES)
            yield (
                (*path, "quantity"),
                (f"a site milestone can watch {allowed}; found {milestone.quantity!r}"),
            )
        site, programme = s.sites.get(milestone.site), s.programmes.get(milestone.programme)
        if site is not None and programme is not None and milestone.site not in programme.sites:
            yield (
                (*path, "programme"),
                f"expected a programme that lists site {milestone.site!r} in its sites; "
                f"found {milestone.programme!r}, which does not",
            )
        if milestone.quantity == "packages_produced" and (milestone.programme or milestone.site):
            yield (
                (*path, "quantity"),
                ("packages_produced is counted per product: give product, not programme or site"),
            )
        precisions = {k for product in s.products.values() for k in product.flops}
        if (
            milestone.precision
            and milestone.product is None
            and milestone.precision not in precisions
        ):
            yield (
                (*path, "precision"),
                (
                    f"no product gives FLOP/s at {milestone.precision!r} "
                    f"(given: {', '.join(sorted(precisions)) or 'none'})"
                ),
            )
        if (milestone.quantity == "flops_online") != (milestone.precision is not None):
            yield (*path, "precision"), "flops_online milestones (and only they) need a precision"
        if milestone.precision and milestone.product in s.products:
            flops = s.products[milestone.product].flops
            yield from _ref("precision", flops, milestone.precision, (*path, "precision"))


def _correlations(s: Scenario, params: list) -> Iterator[Finding]:
    # The probability of an event (a risk, a letter of intent) is not sampled: whether
    # the event occurs is, so the probability cannot be correlated with anything.
    events = {f"risks.{rid}.probability" for rid in s.risks}
    events |= {f"programmes.{gid}.letter_of_intent.probability" for gid in s.programmes}
    uncertain = {path for path, param in params if param.is_uncertain and path not in events}
    index_of: dict[str, int] = {}
    pairs = []
    for index, correlation in enumerate(s.correlations):
        a, b = correlation.between
        if a == b:
            yield ("correlations", index, "between"), f"{a!r} is correlated with itself"
            continue
        for side, name in enumerate(correlation.between):
            if name in events:
                yield (
                    ("correlations", index, "between", side),
                    f"{name!r} is the probability of an event: samples draw whether the event "
                    "occurs, not its probability, so it cannot be correlated",
                )
            elif name not in uncertain:
                yield (
                    ("correlations", index, "between", side),
                    f"{name!r} is not an uncertain parameter of this scenario",
                )
        if a in uncertain and b in uncertain:
            first = index_of.setdefault(a, len(index_of))
            second = index_of.setdefault(b, len(index_of))
            pairs.append((first, second, correlation.rank))
    if pairs and not is_valid(normal_score_matrix(len(index_of), pairs)):
        yield (
            ("correlations",),
            (
                "these rank correlations cannot hold together (their correlation matrix is not "
                "positive semi-definite); weaken some of them"
            ),
        )


def _seed_ids(s: Scenario, params: list) -> Iterator[Finding]:
    facts = load_seed_facts()
    sources = [(path, param.source) for path, param in params]
    sources += list(iter_entity_sources(s))
    for path, source in sources:
        if source is not None and source.seed_id is not None and source.seed_id not in facts:
            close = difflib.get_close_matches(source.seed_id, list(facts), n=1)
            hint = f"; did you mean 'seed:{close[0]}'?" if close else ""
            yield (
                (*_split(path), "source"),
                f"{UNKNOWN}seed fact {source.text!r}{hint} (see: capsim seeds)",
            )


def _split(path: str) -> KeyPath:
    parts: list[object] = []
    for piece in path.replace("[", ".[").split("."):
        parts.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return tuple(parts)
