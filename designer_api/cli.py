"""The `crmflow` command: set up, deploy, run and work processes from a shell."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from domain.directory import ROLES
from engine import EngineError, InvalidData, InvalidModel, NotFound

from .wiring import build_engine, shipped, shipped_models


def _json_object(ctx, param, value: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise click.BadParameter('must be a JSON object, e.g. \'{"amount": 100}\'')
    return data


def _fail(error: EngineError) -> None:
    click.secho(f"error: {error.message}", fg="red", err=True)
    for detail in error.details:
        if isinstance(error, InvalidModel):
            where = detail.get("element_id") or "model"
            line = f" line {detail['line']}" if detail.get("line") else ""
            click.echo(f"  - {where}{line}: {detail['message']}", err=True)
        else:
            click.echo(f"  - {json.dumps(detail, ensure_ascii=False, default=str)}", err=True)
    sys.exit(1)


class _Group(click.Group):
    """Turns engine errors into a readable message and exit status 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EngineError as error:
            _fail(error)


@click.group(cls=_Group)
@click.option("--database", envvar="CRMFLOW_DATABASE_URL", metavar="URL",
              help="SQLAlchemy URL (default: CRMFLOW_DATABASE_URL, else sqlite:///var/crmflow.sqlite).")
@click.pass_context
def main(ctx: click.Context, database: str | None) -> None:
    """crmflow: run CRM business processes (BPMN) with control points.

    Quick start: `crmflow setup`, then `crmflow serve`.
    """
    ctx.obj = {"database": database}


def _engine(ctx: click.Context):
    if "engine" not in ctx.obj:
        ctx.obj["engine"] = build_engine(ctx.obj["database"])
    return ctx.obj["engine"]


@main.command("init-db")
@click.pass_context
def init_db(ctx: click.Context) -> None:
    """Create or upgrade the database schema."""
    engine = _engine(ctx)
    engine.init_db()
    click.echo(f"database ready: {engine.store.url}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "process_key", help="Process id to deploy when a file holds several top-level processes.")
@click.option("--author", default="admin", show_default=True, help="Recorded as the version's author.")
@click.pass_context
def deploy(ctx: click.Context, files: tuple[Path, ...], process_key: str | None, author: str) -> None:
    """Deploy BPMN FILES as new versions (the same bytes again keep their version), each with the decision
    tables its business rule tasks name: from the .dmn FILES given, else from the .dmn files beside it."""
    engine = _engine(ctx)
    dmn = [path for path in files if path.suffix.lower() == ".dmn"]
    tables = engine.split_decisions(*(path.read_bytes() for path in dmn)) if dmn else None
    for path in files:
        if path.suffix.lower() != ".dmn":
            _deploy_one(engine, path, process_key, author, tables)


def _deploy_one(engine, path: Path, process_key: str | None, author: str,
                tables: dict[str, bytes] | None = None) -> None:
    bpmn = path.read_bytes()
    decisions = engine.decisions_for(bpmn, tables) if tables is not None else shipped(path)[1]
    version = engine.deploy(bpmn, process_key=process_key, author=author, decisions=decisions)
    click.echo(f"deployed {version.process_key} v{version.version} ({version.content_hash[:12]}) from {path.name}")
    for warning in version.warnings:
        click.secho(f"  warning {warning['element_id'] or 'model'}: {warning['message']}", fg="yellow")


@main.command()
@click.option("--no-demo", is_flag=True, help="Skip the demo users, customers, rules and the demo quarter.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(0, 400),
              help="Days of demo work to play on a fresh database (0: none).")
@click.pass_context
def setup(ctx: click.Context, no_demo: bool, days: int) -> None:
    """Everything a fresh machine needs: schema, the shipped processes, demo data and a quarter of work."""
    from domain.demo import DEMO_LEAD_DAYS, played_already
    from domain.seed import DEMO_PASSWORD, demo_records

    engine = _engine(ctx)
    click.echo(f"[1/3] database schema on {engine.store.url}")
    engine.init_db()
    models = shipped_models()
    click.echo(f"[2/3] deploying {len(models)} shipped process(es)")
    # A demo quarter is played with the processes in place a month before its first day: their schedules fire in
    # it, the first on its first day (the latest firing missed), so a forecast month has closed whatever the date
    play = bool(days) and not no_demo and not played_already(engine)
    began = datetime.now(UTC) - timedelta(days=days + DEMO_LEAD_DAYS)
    deployer = build_engine(ctx.obj["database"], lambda: began) if play else engine
    try:
        for path in models:
            _deploy_one(deployer, path, None, "crmflow")
    finally:
        if deployer is not engine:
            deployer.close()
    if no_demo:
        return
    click.echo("[3/3] demo staff, groups, assignment rules and customers")
    added = engine.execute(demo_records)
    click.echo(f"  added {added['rules']} assignment rules, {added['customers']} customers "
               "(nothing is added twice)")
    click.echo(f"  demo users sign in to the pages with the password '{DEMO_PASSWORD}'; their API tokens "
               "(curl -H 'Authorization: Bearer TOKEN' ...):")
    for username, token in added["tokens"].items():
        click.echo(f"    {username:<7} {token}")
    if play:
        _play(ctx, days)
    elif days:
        click.echo("  the database already holds cases: no demo quarter played (`crmflow demo` plays one anyway)")


@main.command()
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 400), help="How many days to play.")
@click.option("--seed", default=2026, show_default=True, help="The same seed plays the same quarter.")
@click.pass_context
def demo(ctx: click.Context, days: int, seed: int) -> None:
    """Play DAYS of CRM work through the real processes (leads, customers, orders, complaints), ending now,
    so every report has figures. Adds to what is there."""
    _play(ctx, days, seed)


def _play(ctx: click.Context, days: int, seed: int = 2026) -> None:
    from domain.demo import Quarter

    click.echo(f"  playing {days} days of work through the processes (leads, customers, orders, complaints) ...")

    def progress(day: int, total: int, counts: dict[str, int]) -> None:
        if day % 10 == 0 or day == total:
            click.echo(f"    day {day}/{total}: {counts['cases']} cases, {counts['tasks']} tasks done, "
                       f"{counts['timers']} timers fired")

    quarter = Quarter(lambda clock: build_engine(ctx.obj["database"], clock), days, seed, progress)
    try:
        quarter.play()
    finally:
        quarter.engine.close()


@main.command()
@click.argument("process_key")
@click.option("--data", callback=_json_object, help='Start data as a JSON object, e.g. \'{"amount": 100}\'.')
@click.option("--business-key", help="Your reference for the instance (order number, lead id ...).")
@click.option("--user", "actor", default="admin", show_default=True, help="Who starts it.")
@click.pass_context
def start(ctx: click.Context, process_key: str, data: dict, business_key: str | None, actor: str) -> None:
    """Start an instance of PROCESS_KEY (its newest active version)."""
    engine = _engine(ctx)
    instance = engine.start(process_key, data, business_key, actor)
    click.echo(f"started {instance.id} ({process_key} v{instance.version}): {instance.status}")
    _print_tasks(engine.tasks(instance_id=instance.id))


@main.command()
@click.option("--user", "assignee", help="Tasks assigned to this user.")
@click.option("--group", "groups", multiple=True, help="Unclaimed tasks of this group (repeatable).")
@click.option("--instance", "instance_id", help="Tasks of one instance.")
@click.pass_context
def tasks(ctx: click.Context, assignee: str | None, groups: tuple[str, ...], instance_id: str | None) -> None:
    """List ready tasks."""
    found = _engine(ctx).tasks(assignee=assignee, groups=list(groups) or None, instance_id=instance_id)
    _print_tasks(found)


def _print_tasks(found) -> None:
    if not found:
        click.echo("no ready tasks")
    for task in found:
        who = task.assignee or f"group {task.candidate_group}"
        click.echo(f"{task.id}  {task.name:<28} {who:<22} {task.process_key} {task.business_key or ''}")


@main.command()
@click.argument("task_id")
@click.option("--user", "actor", required=True, help="Who completes it (must be the assignee, if any).")
@click.option("--data", callback=_json_object, help="Form data as a JSON object.")
@click.pass_context
def complete(ctx: click.Context, task_id: str, actor: str, data: dict) -> None:
    """Complete TASK_ID with form data."""
    engine = _engine(ctx)
    instance = engine.complete(task_id, actor, data)
    click.echo(f"completed; instance {instance.id} is {instance.status}")
    _print_tasks(engine.tasks(instance_id=instance.id))


@main.command()
@click.argument("task_id")
@click.option("--user", "actor", required=True, help="Who takes the task.")
@click.pass_context
def claim(ctx: click.Context, task_id: str, actor: str) -> None:
    """Claim a group task for USER."""
    task = _engine(ctx).claim(task_id, actor)
    click.echo(f"{task.name} is now assigned to {task.assignee}")


@main.command()
@click.argument("instance_id")
@click.pass_context
def history(ctx: click.Context, instance_id: str) -> None:
    """Show an instance's status and timeline."""
    engine = _engine(ctx)
    instance = engine.instance(instance_id)
    click.echo(f"{instance.process_key} v{instance.version} {instance.business_key or ''}: {instance.status}")
    if instance.incident:
        click.secho(f"incident at {instance.incident['element_id']}: {instance.incident['message']}", fg="red")
    for event in engine.history(instance_id):
        data = json.dumps(event.data, ensure_ascii=False, default=str) if event.data else ""
        click.echo(f"{event.at:%Y-%m-%d %H:%M:%S} {event.type:<18} {event.element_id or '':<24} "
                   f"{event.actor or '':<10} {data}")


@main.command()
@click.argument("process_key", required=False)
@click.pass_context
def versions(ctx: click.Context, process_key: str | None) -> None:
    """List deployed versions (with lineage)."""
    for v in _engine(ctx).versions(process_key):
        lineage = f" copied from {v.copied_from}" if v.copied_from else ""
        state = "active" if v.active else "inactive"
        click.echo(f"{v.process_key} v{v.version} {state} by {v.author or '?'} {v.deployed_at:%Y-%m-%d}{lineage}")


@main.command()
@click.argument("process_key")
@click.argument("version", type=int)
@click.option("--off", is_flag=True, help="Deactivate instead.")
@click.pass_context
def activate(ctx: click.Context, process_key: str, version: int, off: bool) -> None:
    """Let new starts of PROCESS_KEY use VERSION (or stop, with --off)."""
    v = _engine(ctx).set_active(process_key, version, not off)
    click.echo(f"{v.process_key} v{v.version} is {'active' if v.active else 'inactive'}")


@main.group()
def users() -> None:
    """Manage staff, their roles and groups, and API tokens."""


@users.command("add")
@click.argument("username")
@click.option("--name", "display_name", help="Display name (default: the username).")
@click.option("--role", "roles", multiple=True, type=click.Choice(list(ROLES)), default=["staff"],
              show_default=True, help="Repeatable.")
@click.option("--group", "groups", multiple=True, help="Group key, e.g. sales (repeatable).")
@click.option("--region", help="Region the user covers (for assignment rules).")
@click.pass_context
def users_add(ctx, username: str, display_name: str | None, roles, groups, region: str | None) -> None:
    """Create or update USERNAME."""
    from .uses import users as users_use

    _engine(ctx).execute(users_use.ensure, username, display_name or username, list(roles), list(groups), region)
    click.echo(f"{username}: roles {', '.join(roles)}; groups {', '.join(groups) or '-'}")


@users.command("list")
@click.pass_context
def users_list(ctx) -> None:
    """List users with roles and groups."""
    from sqlalchemy import select

    from domain.directory import groups_of
    from domain.records import User

    with _engine(ctx).store.read() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            click.echo(f"{user.username:<10} {','.join(user.roles):<22} {','.join(groups_of(session, user.username)):<30}"
                       f" {user.display_name}")


@users.command("token")
@click.argument("username")
@click.option("--label", help="What the token is for.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650), help="How long it stays valid.")
@click.option("--revoke", "revoke", metavar="TOKEN", help="Revoke TOKEN instead of issuing one ('all': every token "
              "of USERNAME).")
@click.pass_context
def users_token(ctx, username: str, label: str | None, days: int, revoke: str | None) -> None:
    """Issue a new API token for USERNAME (shown once; only its hash is stored), or revoke one."""
    from .uses import users as users_use

    engine = _engine(ctx)
    if revoke:
        everything = revoke == "all"
        count = engine.execute(users_use.revoke, None if everything else revoke, username if everything else None)
        click.echo(f"revoked {count} token(s)")
        return
    try:
        token = engine.execute(users_use.issue, username, label, days)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{token}\n(valid for {days} days)")


@users.command("password")
@click.argument("username")
@click.password_option(help="The new password (asked for when not given).")
@click.pass_context
def users_password(ctx, username: str, password: str) -> None:
    """Set the password USERNAME signs in to the pages with (stored as a salted hash)."""
    from .uses import users as users_use

    try:
        _engine(ctx).execute(users_use.password, username, password)  # ends their sessions
    except InvalidData as refused:
        raise click.ClickException(refused.fields[0].message) from None
    except NotFound as unknown:
        raise click.ClickException(unknown.message) from None
    click.echo(f"{username} can now sign in at /login")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--in-place", is_flag=True, help="Rewrite the files instead of printing the result.")
def layout(files: tuple[Path, ...], in_place: bool) -> None:
    """Compute the diagram layout (BPMN DI) of FILES, so they open cleanly in any BPMN modeler."""
    from engine import layout_bytes

    for path in files:
        result = layout_bytes(path.read_bytes())
        if in_place:
            path.write_bytes(result)
            click.echo(f"laid out {path}")
        else:
            click.echo(result.decode())


@main.command()
@click.option("--once", is_flag=True, help="One round, then exit (for cron or tests).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds to sleep when nothing is due.")
@click.option("--batch", default=100, show_default=True, help="Timers per round.")
@click.pass_context
def worker(ctx: click.Context, once: bool, interval: float, batch: int) -> None:
    """Fire due timers (reminders, escalations, SLAs) and deliver the outbox. Run several on PostgreSQL."""
    import logging

    from engine import Worker

    from .wiring import outbox_delivery

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    deliver = outbox_delivery(_engine(ctx))
    def report_round(fired: int) -> None:
        if fired:
            click.echo(f"fired {fired} timer(s)")

    runner = Worker(_engine(ctx).context, batch=batch, deliver=deliver, on_round=report_round)
    if once:
        click.echo(f"fired {runner.run_once()} timer(s), delivered {deliver()} message(s)")
        return
    click.echo(f"worker polling {_engine(ctx).store.url} every {interval}s (Ctrl+C to stop)")
    try:
        runner.run_forever(interval)
    except KeyboardInterrupt:
        click.echo("worker stopped")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="Fire timers and deliver the outbox in this process; --no-worker when separate "
                   "'crmflow worker' processes do it.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, worker: bool) -> None:
    """Serve the API and pages (development server; use gunicorn for production)."""
    import logging
    import threading

    from engine import Worker

    from .app import create_app
    from .wiring import outbox_delivery

    app = create_app({"DATABASE_URL": ctx.obj["database"]})
    if worker:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        engine = app.extensions["crmflow.engine"]
        runner = Worker(engine.context, deliver=outbox_delivery(engine))
        threading.Thread(target=runner.run_forever, name="crmflow-worker", daemon=True).start()
        click.echo("  timers and the outbox are worked in this process (--no-worker to leave them to "
                   "'crmflow worker')")
    else:
        click.echo("  no worker here: run 'crmflow worker' for timers, reminders, SLAs and the outbox")
    click.echo(f"crmflow serving on http://{host}:{port}/  (Ctrl+C to stop)")
    click.echo("  sign in as alice (sales), ann (analyst), carol (manager) or root (admin); demo password 'demo'")
    app.run(host=host, port=port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
