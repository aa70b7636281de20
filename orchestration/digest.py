"""The weekly digest per province (ida/digest.py): an asset after the serving copy, its own job and a schedule on
Monday morning. It is no part of `ida_pipeline`, so a pipeline run never sends e-mail."""

import dataclasses
from datetime import date, datetime
from pathlib import Path

import dagster as dg

from ida import digest
from ida.settings import AgendaSettings, DigestSettings
from ida.standard.vocabularies import provinces
from ida.warehouse import serving
from orchestration.catalogue import SERVING_COPY
from orchestration.resources import ServingResource

GROUP = "digest"


class DigestResource(dg.ConfigurableResource):
    """Where the digests go (ida.settings.DigestSettings) and when the agenda asks for attention (AgendaSettings).
    The SMTP password comes from the environment through `dg.EnvVar`, so it is in no run config and no log."""

    folder: str
    smtp_host: str | None = None
    smtp_port: int = DigestSettings.smtp_port
    smtp_security: str = DigestSettings.smtp_security
    smtp_user: str | None = None
    smtp_password: str | None = None
    sender: str | None = None
    mailboxes: dict[str, str] = {}
    agenda: dict[str, float] = {}  # AgendaSettings by field name (each its default's type again); empty: the defaults

    @classmethod
    def of(cls, settings: DigestSettings, agenda: AgendaSettings) -> "DigestResource":
        return cls(folder=str(settings.folder), smtp_host=settings.smtp_host, smtp_port=settings.smtp_port,
                   smtp_security=settings.smtp_security, smtp_user=settings.smtp_user,
                   smtp_password=dg.EnvVar("IDA_SMTP_PASSWORD") if settings.smtp_password else None,
                   sender=settings.sender, mailboxes=dict(settings.mailboxes), agenda=dataclasses.asdict(agenda))

    def settings(self) -> DigestSettings:
        return DigestSettings(Path(self.folder), self.smtp_host, self.smtp_port, self.smtp_security, self.smtp_user,
                              self.smtp_password, self.sender, dict(self.mailboxes))

    def agenda_settings(self) -> AgendaSettings:
        defaults = AgendaSettings()
        return AgendaSettings(**{name: type(getattr(defaults, name))(value) for name, value in self.agenda.items()})


class DigestConfig(dg.Config):
    today: str | None = None  # JJJJ-MM-DD: the day the digest is for (the week before it); empty: today in Amsterdam
    province: str | None = None  # a CBS code; empty: all twelve


@dg.asset(deps=[SERVING_COPY], group_name=GROUP, kinds={"email"})
def digest_mail(context: dg.AssetExecutionContext, config: DigestConfig, outputs: ServingResource,
                digests: DigestResource) -> dg.MaterializeResult:
    """Sends each province its weekly digest — its learning agenda and what other provinces newly learned on its core
    tasks — to its mailbox, or writes it as an HTML file (no SMTP server, no mailbox). Fails when a message failed."""
    today = date.fromisoformat(config.today) if config.today else digest.today_in_amsterdam()
    code = provinces().resolve(config.province) if config.province else None
    if config.province and code is None:
        raise dg.Failure(description=f"Onbekende provincie '{config.province}'. Gebruik een CBS-code (PV20 … PV31).")
    with serving.connect(Path(outputs.serving_dir)) as con:
        report = digest.deliver(con, digests.settings(), digests.agenda_settings(), today, [code] if code else None,
                                warn=context.log.warning)
    for line in report.lines():
        context.log.info(line)
    metadata = {"dag": today.isoformat(), "verzonden": len(report.sent), "bestanden": len(report.written),
                "al_verzonden": len(report.already), "niets_te_melden": len(report.quiet),
                "mislukt": len(report.failed), "overzicht": "\n".join(report.lines())}
    if not report.ok:
        failed = ", ".join(sorted(report.failed))
        raise dg.Failure(description=f"{len(report.failed)} weekbericht(en) niet verzonden ({failed}); ze staan als "
                                     f"bestand in {digests.folder}. Een nieuwe run van deze week (of 'ida digest "
                                     f"--today {today.isoformat()}') stuurt alleen wat nog niet verzonden is.",
                         metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)


digest_job = dg.define_asset_job("ida_digest", selection=dg.AssetSelection.assets(digest_mail),
                                 description="Stuurt elke provincie haar weekbericht (of schrijft het als bestand).")


@dg.schedule(job=digest_job, cron_schedule="0 7 * * 1", execution_timezone="Europe/Amsterdam")
def weekly_digest(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Monday 07:00, after the morning's pipeline: one run per week (its run key), for the week before that Monday."""
    day = (context.scheduled_execution_time or datetime.now(digest.TIMEZONE)).date().isoformat()
    return dg.RunRequest(run_key=f"digest-{day}", run_config={"ops": {"digest_mail": {"config": {"today": day}}}})
