-- The raw layer: every accepted delivery's records as validated (canonical values), with provenance.
-- Rows are appended per delivery and never updated; dbt picks the latest version per key.
create schema if not exists raw;

create table if not exists raw.deliveries (
    delivery_id   varchar primary key,  -- sha256 of the delivery's original bytes
    province_code varchar not null,     -- CBS code, e.g. PV26
    source_kind   varchar not null,     -- upload | ckan | dcat
    source        varchar not null,     -- landing path or URL
    file_names    varchar[] not null,
    received_at   timestamp not null,
    loaded_at     timestamp not null
);

create table if not exists raw.experimenten (
    delivery_id        varchar not null,
    province_code      varchar not null,
    source_file        varchar not null,
    source_row         integer not null,  -- as a spreadsheet user counts (header = 1); JSON: index + 1
    loaded_at          timestamp not null,
    experiment_id      varchar not null,
    titel              varchar not null,
    samenvatting       varchar,
    opgave             varchar,
    kerntaak           varchar not null,  -- vocabulary code
    ida_spoor          varchar not null,
    fase               varchar not null,
    reden_gestopt      varchar,
    startdatum         date,
    einddatum          date,
    eigenaar           varchar,
    leervragen         varchar[],
    beoogde_resultaten varchar[],
    databronnen        varchar[],
    partners           varchar[],
    publieke_waarden   varchar[],
    trefwoorden        varchar[],
    budget_eur         decimal(18, 2),
    contact            varchar
);

create table if not exists raw.lessen (
    delivery_id      varchar not null,
    province_code    varchar not null,
    source_file      varchar not null,
    source_row       integer not null,
    loaded_at        timestamp not null,
    les_id           varchar not null,
    experiment_id    varchar not null,
    datum            date not null,
    leerrichting     varchar not null,
    categorie        varchar not null,
    les              varchar not null,
    dilemma          boolean not null,
    publieke_waarden varchar[],
    escalatieniveau  varchar,
    status           varchar not null
);

create table if not exists raw.resultaten (
    delivery_id   varchar not null,
    province_code varchar not null,
    source_file   varchar not null,
    source_row    integer not null,
    loaded_at     timestamp not null,
    experiment_id varchar not null,
    indicator     varchar not null,
    eenheid       varchar,
    nulmeting     double,
    doel          double,
    waarde        double not null,
    gemeten_op    date not null
);

-- v1.1: a lesson's learning question and a dilemma's decision (added to warehouses made before v1.1)
alter table raw.lessen add column if not exists leervraag varchar;      -- the text of the experiment's question
alter table raw.lessen add column if not exists besluit varchar;
alter table raw.lessen add column if not exists besloten_door varchar;  -- escalatieniveau code
alter table raw.lessen add column if not exists besloten_op date;

-- v1.1: the province's maturity self-assessment, one row per recommendation per reference date
create table if not exists raw.zelfscan (
    delivery_id   varchar not null,
    province_code varchar not null,
    source_file   varchar not null,
    source_row    integer not null,
    loaded_at     timestamp not null,
    peildatum     date not null,
    aanbeveling   varchar not null,  -- vocabulary code (aanbevelingen)
    niveau        integer not null,  -- 1-5 (volwassenheidsniveaus)
    toelichting   varchar,
    bewijs        varchar[]
);

-- v1.1: a province withdraws one of its own experiments or lessons
create table if not exists raw.intrekkingen (
    delivery_id   varchar not null,
    province_code varchar not null,
    source_file   varchar not null,
    source_row    integer not null,
    loaded_at     timestamp not null,
    soort         varchar not null,  -- experiment | les
    id            varchar not null,  -- experiment_id or les_id
    reden         varchar not null,
    datum         date               -- null: the delivery's date
);

-- Harvesting from the provinces' own portals (catalog/harvest). Append-only like the rest of raw:
-- the state of a source is its latest successful run plus the latest row per record.
create table if not exists raw.harvest_runs (
    run_id         varchar not null,
    province_code  varchar not null,
    source_id      varchar not null,  -- kind + URL + filter, from sources.yml
    source_kind    varchar not null,  -- ckan | dcat
    source_url     varchar not null,
    started_at     timestamp not null,
    finished_at    timestamp not null,
    status         varchar not null,  -- ok | mislukt
    error          varchar,           -- Dutch message when status = mislukt
    high_water     varchar,           -- CKAN: newest metadata_modified seen
    validators     json,              -- DCAT: ETag/Last-Modified per catalogue page
    seen           integer not null,  -- records the source listed
    fetched        integer not null,  -- records read in full (new or changed)
    experiments    integer not null,
    lessons        integer not null,
    results        integer not null,
    to_classify    integer not null,
    withdrawn      integer not null,
    delivery_id    varchar            -- raw.deliveries row of this run's accepted records
);

create table if not exists raw.harvest_records (
    province_code  varchar not null,
    source_id      varchar not null,
    source_kind    varchar not null,
    source_url     varchar not null,
    record_id      varchar not null,  -- CKAN dataset id or DCAT dataset URI
    record_url     varchar not null,  -- the link: landing page or dataset page
    modified       varchar,           -- as the source states it
    checksum       varchar not null,  -- sha256 of the record as fetched
    fetched_at     timestamp not null,
    outcome        varchar not null,  -- experiment | to_classify
    experiment_id  varchar,
    delivery_id    varchar,           -- raw.deliveries, when outcome = experiment
    run_id         varchar not null
);

create table if not exists raw.to_classify (
    province_code  varchar not null,
    source_id      varchar not null,
    source_kind    varchar not null,
    source_url     varchar not null,
    record_id      varchar not null,
    record_url     varchar not null,
    title          varchar,
    reason         varchar not null,  -- Dutch: why it does not meet the standard
    record_json    json not null,     -- the record as fetched
    fetched_at     timestamp not null,
    checksum       varchar not null,
    run_id         varchar not null
);

create table if not exists raw.withdrawn_at_source (
    province_code  varchar not null,
    source_id      varchar not null,
    source_kind    varchar not null,
    source_url     varchar not null,
    record_id      varchar not null,
    record_url     varchar not null,
    experiment_id  varchar,
    last_checksum  varchar not null,
    last_fetched_at timestamp not null,
    withdrawn_at   timestamp not null,  -- the run that no longer found it
    run_id         varchar not null
);

-- Coordinators' decisions on records of the to-classify queue (catalog/curation.py), loaded from the
-- append-only audit log (IDA_AUDIT_LOG): one row per entry, never updated. A queued record version
-- (province, source, record, checksum) with a decision leaves marts.to_classify.
create table if not exists raw.curation_decisions (
    entry_id       varchar primary key,  -- the audit log entry
    province_code  varchar not null,
    source_id      varchar not null,
    record_id      varchar not null,
    checksum       varchar not null,     -- the record version decided on
    queue_key      varchar not null,
    action         varchar not null,     -- classificeren | afwijzen
    decided_by     varchar not null,     -- the coordinator's name
    decided_at     timestamp not null,
    kerntaak       varchar,              -- classificeren: the chosen codes and the experiment made
    fase           varchar,
    ida_spoor      varchar,
    experiment_id  varchar,
    delivery_id    varchar,
    reason         varchar               -- afwijzen: why
);
