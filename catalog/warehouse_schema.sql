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
