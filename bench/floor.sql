-- The floor: the pipeline's transformations as one plain DuckDB script over generated CSV deliveries.
-- Run by bench/pipeline with ${LANDING} and ${VOCAB} substituted; no validation, no provenance.
create schema raw;
create table raw.experimenten as
    select *, regexp_extract(filename, '(PV\d\d)', 1) as province_code, now() as loaded_at
    from read_csv('${LANDING}/*/experimenten.csv', filename = true, all_varchar = true);
create table raw.lessen as
    select *, regexp_extract(filename, '(PV\d\d)', 1) as province_code, now() as loaded_at
    from read_csv('${LANDING}/*/lessen.csv', filename = true, all_varchar = true);
create table raw.resultaten as
    select *, regexp_extract(filename, '(PV\d\d)', 1) as province_code, now() as loaded_at
    from read_csv('${LANDING}/*/resultaten.csv', filename = true, all_varchar = true);

create schema marts;
create table marts.experiments as
with latest as (
    select * from raw.experimenten
    qualify row_number() over (partition by province_code, experiment_id order by loaded_at desc) = 1
)
select e.province_code || ':' || e.experiment_id as experiment_key, e.province_code, p.naam as province_name,
       e.experiment_id, e.titel as title, e.samenvatting as summary, e.kerntaak as core_task, k.label as core_task_label,
       e.ida_spoor as ida_line, s.label as ida_line_label, e.fase as phase, f.label as phase_label,
       f.volgorde::int as phase_order, f.voorbij_experimenteren::boolean as is_beyond_experimenting,
       e.startdatum::date as start_date, e.einddatum::date as end_date, string_split(e.partners, '|') as partners,
       string_split(e.publieke_waarden, '|') as public_values, string_split(e.trefwoorden, '|') as keywords,
       e.budget_eur::decimal(18, 2) as budget_eur
from latest e
join read_csv('${VOCAB}/provincies.csv') p on p.code = e.province_code
join read_csv('${VOCAB}/kerntaken.csv') k on k.code = e.kerntaak
join read_csv('${VOCAB}/ida_sporen.csv') s on s.code = e.ida_spoor
join read_csv('${VOCAB}/fasen.csv') f on f.code = e.fase;

create table marts.lessons as
with latest as (
    select * from raw.lessen
    qualify row_number() over (partition by province_code, les_id order by loaded_at desc) = 1
)
select l.province_code || ':' || l.les_id as lesson_key, l.province_code || ':' || l.experiment_id as experiment_key,
       l.province_code, l.les_id as lesson_id, l.datum::date as lesson_date, l.leerrichting as direction,
       l.categorie as category, c.label as category_label, l.les as lesson_text,
       l.dilemma in ('ja', 'true', '1', 'j') as is_dilemma, l.escalatieniveau as escalation_level,
       coalesce(l.status, 'open') as status, e.title as experiment_title, e.core_task
from latest l
join marts.experiments e on e.experiment_key = l.province_code || ':' || l.experiment_id
join read_csv('${VOCAB}/categorieen.csv') c on c.code = l.categorie;

create table marts.results as
with latest as (
    select * from raw.resultaten
    qualify row_number() over (partition by province_code, experiment_id, indicator, gemeten_op order by loaded_at desc) = 1
)
select r.province_code || ':' || r.experiment_id as experiment_key, r.indicator, r.nulmeting::double as baseline,
       r.doel::double as target, r.waarde::double as value, r.gemeten_op::date as measured_on,
       case when r.doel is null then null
            when r.doel::double >= coalesce(r.nulmeting::double, 0) then r.waarde::double >= r.doel::double
            else r.waarde::double <= r.doel::double end as target_reached
from latest r
join marts.experiments e on e.experiment_key = r.province_code || ':' || r.experiment_id;

create table marts.provinces as
select p.code, p.naam as name,
       (select count(*) from marts.experiments e where e.province_code = p.code) as experiments,
       (select count(*) from marts.lessons l where l.province_code = p.code) as lessons,
       (select count(*) from marts.lessons l where l.province_code = p.code and l.is_dilemma and l.status = 'open') as dilemmas_open
from read_csv('${VOCAB}/provincies.csv') p;

create table marts.comparison_province_phase_core_task as
select p.code as province_code, f.code as phase, k.code as core_task,
       count(e.experiment_key) as experiments
from read_csv('${VOCAB}/provincies.csv') p
cross join read_csv('${VOCAB}/fasen.csv') f
cross join read_csv('${VOCAB}/kerntaken.csv') k
left join marts.experiments e on e.province_code = p.code and e.phase = f.code and e.core_task = k.code
group by all;

create table marts.comparison_core_task as
select e.core_task, count(distinct e.province_code) as provinces_active, count(*) as experiments,
       count(*) filter (where e.is_beyond_experimenting) as beyond_experimenting
from marts.experiments e
group by all;
