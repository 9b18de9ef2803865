-- A realistic user flow CSV for the scale benchmark (bench/scale.py): rows $first .. $first +
-- $n - 1 of one sequence, so that several files of one dataset never share a flow key.
-- - flow keys over the first 200 countries of data/reference/countries.csv, 12 years
--   (2013-2024), 50 platforms and 7 occupations; row k takes key (k * a prime) mod the key
--   space, so every row of every file is a distinct key and neighbouring rows differ in all
--   their fields;
-- - each country written as its English name 85 % of the time, otherwise as one of its
--   English, French or Italian aliases that name it alone (names with a comma are quoted);
-- - occupations as the six OLI classes in three letter cases, or unknown (`unknown` or empty);
-- - about 1 % bad rows (unknown country, year out of range, unknown occupation, negative count),
--   all still numbers where a number is expected so that a plain read_csv types them;
-- - $distinct > 0 draws the rows from only that many keys (exact repeats of whole lines).
with

countries as (
    select
        row_number() over (order by country_code) - 1 as idx,
        country_code,
        name
    from read_csv($countries_csv, header = true, all_varchar = true)
    qualify idx < 200
),

unique_aliases as (
    select alias, any_value(country_code) as country_code
    from read_csv($aliases_csv, header = true, all_varchar = true)
    where language in ('en', 'fr', 'it')
    group by alias
    having count(distinct country_code) = 1
),

spellings as (
    select
        countries.idx,
        countries.name,
        list(unique_aliases.alias order by unique_aliases.alias)
            filter (where unique_aliases.alias is not null) as aliases
    from countries
    left join unique_aliases on countries.country_code = unique_aliases.country_code
    group by all
),

occupations as (
    select [
        'clerical and data entry', 'creative and multimedia', 'professional services',
        'sales and marketing support', 'software development and technology',
        'writing and translation'
    ] as classes
),

rows as (
    select
        range as row_id,
        case when $distinct > 0 then cast(hash(range, $seed) % $distinct as bigint) else range end
            as k
    from range($first, $first + $n)
),

keyed as (
    select
        row_id,
        k,
        -- 200 * 200 * 12 * 50 * 7 keys; 2654435761 is prime and coprime with it
        (k * 2654435761) % 168000000 as key_id
    from rows
),

fields as (
    select
        row_id,
        k,
        key_id % 200 as buyer_idx,
        (key_id // 200) % 200 as seller_idx,
        2013 + (key_id // 40000) % 12 as year,
        'platform-' || lpad(cast((key_id // 480000) % 50 as varchar), 2, '0') as platform,
        (key_id // 24000000) % 7 as occupation_idx,
        cast(1 + hash(k, $seed, 'count') % 5000 as bigint) as count,
        hash(k, $seed, 'bad') % 100 as bad_draw,
        hash(k, $seed, 'kind') % 4 as bad_kind,
        hash(k, $seed, 'buyer') % 100 as buyer_draw,
        hash(k, $seed, 'seller') % 100 as seller_draw,
        cast(hash(k, $seed, 'buyer alias') % 1000003 as bigint) as buyer_alias_draw,
        cast(hash(k, $seed, 'seller alias') % 1000003 as bigint) as seller_alias_draw,
        cast(hash(k, $seed, 'case') % 6 as bigint) as case_draw
    from keyed
),

spelled as (
    select
        fields.row_id,
        case
            when fields.bad_draw = 0 and fields.bad_kind = 0 then 'Atlantis'
            when fields.buyer_draw < 85 or len(buyers.aliases) = 0 then buyers.name
            else buyers.aliases[1 + fields.buyer_alias_draw % len(buyers.aliases)]
        end as buyer_country,
        case
            when fields.seller_draw < 85 or len(sellers.aliases) = 0 then sellers.name
            else sellers.aliases[1 + fields.seller_alias_draw % len(sellers.aliases)]
        end as seller_country,
        case when fields.bad_draw = 0 and fields.bad_kind = 1 then -fields.count
            else fields.count end as count,
        case when fields.bad_draw = 0 and fields.bad_kind = 2 then 1899
            else fields.year end as year,
        fields.platform,
        case
            when fields.bad_draw = 0 and fields.bad_kind = 3 then 'gardening'
            -- the seventh occupation is unknown, written either way
            when fields.occupation_idx = 6 then
                case when fields.case_draw % 2 = 0 then 'unknown' else '' end
            else
                case fields.case_draw % 3
                    when 0 then occupations.classes[1 + fields.occupation_idx]
                    when 1 then upper(occupations.classes[1 + fields.occupation_idx])
                    else upper(occupations.classes[1 + fields.occupation_idx][1])
                        || occupations.classes[1 + fields.occupation_idx][2:]
                end
        end as occupation
    from fields
    cross join occupations
    inner join spellings as buyers on fields.buyer_idx = buyers.idx
    inner join spellings as sellers on fields.seller_idx = sellers.idx
)

select buyer_country, seller_country, count, year, platform, occupation
from spelled
-- a stable order, so that the same seed writes the same file
order by row_id
