-- The named-segment map has exactly one row for each of the 25 cells of the 5 x 5 grid.
with

quintiles as (
    select quintile from (values (1), (2), (3), (4), (5)) as listed (quintile)  -- noqa: AL05
),

grid as (
    select
        r.quintile as r_quintile,
        fm.quintile as fm_quintile
    from quintiles as r
    cross join quintiles as fm
),

matches as (
    select
        grid.r_quintile,
        grid.fm_quintile,
        count(segment_map.rfm_segment) as segments
    from grid
    left join {{ ref('rfm_segment_map') }} as segment_map
        on grid.r_quintile = segment_map.r_quintile and grid.fm_quintile = segment_map.fm_quintile
    group by grid.r_quintile, grid.fm_quintile
)

select * from matches
where segments != 1
