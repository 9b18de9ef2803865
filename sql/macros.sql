-- Direction follows the work: the seller (worker) side comes first. south_to_north = the worker
-- is in the South and the buyer in the North; the payment goes the other way. A side that a
-- scheme leaves unclassified makes the pair 'unclassified' rather than dropping it.
create or replace macro work_direction(seller_is_north, buyer_is_north) as
    case
        when seller_is_north is null or buyer_is_north is null then 'unclassified'
        when not seller_is_north and buyer_is_north then 'south_to_north'
        when seller_is_north and buyer_is_north then 'north_to_north'
        when not seller_is_north and not buyer_is_north then 'south_to_south'
        else 'north_to_south'
    end;

-- A double as a decimal that adds exactly: threads hand the rows of a sum to it in no fixed
-- order, and a sum of doubles then changes in its last digits from one build to the next; a sum
-- of decimals does not. The integer part is kept whole (counts stay exact up to 10^20), the
-- fraction to 17 places (within 1.2e-16 of the double). Sum these, then cast the sum to double.
create or replace macro exact_decimal(x) as
    cast(floor(x) as decimal(20, 0)) + cast(x - floor(x) as decimal(18, 17));

-- The exact sum of doubles (an aggregate: sum(exact_decimal(x)) to the last digit) at about the
-- cost of a plain sum when they are whole counts, as the tallies of user tables and task files
-- are: whole values below 10^15 add as integers, exact in any order, and only the fractional
-- ones are summed as exact_decimal. Null when every x is null, as sum is.
create or replace macro exact_sum(x) as
    case
        when count(x) > 0
            then
                coalesce(
                    cast(
                        sum(case when x = floor(x) and abs(x) < 1e15 then cast(x as bigint) end)
                        as decimal(38, 17)
                    ),
                    0
                )
                + coalesce(
                    sum(
                        case
                            when not (x = floor(x) and abs(x) < 1e15)
                                -- exact_decimal(x), written out: a macro calls no macro
                                then cast(floor(x) as decimal(20, 0))
                                + cast(x - floor(x) as decimal(18, 17))
                        end
                    ),
                    0
                )
    end;

-- The lowest and highest South → North share, in % of the whole total, that any buyer × seller
-- matrix with the published marginals can have. Arguments are % of each side's total held by
-- named countries of one group; the rest of a side (its countries not named, and named ones a
-- scheme leaves unclassified) may be North or South. Let bN be the buyers' North share and sS
-- the sellers' South share: a matrix with those margins has between max(0, bN + sS − 100) and
-- min(bN, sS) South → North (Fréchet bounds, both reached), and both ends grow with bN and sS,
-- so the lowest is at the smallest bN and sS (named North buyers, named South sellers), the
-- highest at the largest (100 − named South buyers, 100 − named North sellers).
create or replace macro south_to_north_low_pct(north_buyers_pct, south_sellers_pct) as
    greatest(0, north_buyers_pct + south_sellers_pct - 100);

create or replace macro south_to_north_high_pct(south_buyers_pct, north_sellers_pct) as
    least(100 - south_buyers_pct, 100 - north_sellers_pct);
