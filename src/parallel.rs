//! CPU-bound work split over scoped threads, for the few inputs large
//! enough to be worth it (a 10,000-service nat table, 5,000 leases).

use std::thread::ScopedJoinHandle;

/// The CPUs this process may use (1 when the kernel will not say).
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The result of a scoped thread; a panic in it is a bug, re-raised rather
/// than dropping its part of the work.
pub fn join<T>(handle: ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `items` cut into `parts` consecutive runs of about equal length, each
/// handed to `work` on a thread of its own (the calling thread takes the
/// last run instead of waiting idle); what each gave, in order.
pub fn runs_in_order<I, O>(
    items: impl IntoIterator<Item = I, IntoIter: ExactSizeIterator>,
    parts: usize,
    work: impl Fn(Vec<I>) -> O + Sync,
) -> Vec<O>
where
    I: Send,
    O: Send,
{
    let mut items = items.into_iter();
    if parts <= 1 {
        return vec![work(items.collect())];
    }
    let size = items.len().div_ceil(parts).max(1);
    let mut runs: Vec<Vec<I>> = (0..parts)
        .map(|_| items.by_ref().take(size).collect())
        .collect();
    let last = runs.pop().unwrap_or_default();
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = runs
            .into_iter()
            .map(|run| scope.spawn(move || work(run)))
            .collect();
        let last = work(last);
        let mut done: Vec<O> = workers.into_iter().map(join).collect();
        done.push(last);
        done
    })
}

/// `items` mapped by `map`, in order, split as [`runs_in_order`] does.
pub fn map_in_order<I, O>(
    items: impl IntoIterator<Item = I, IntoIter: ExactSizeIterator>,
    parts: usize,
    map: impl Fn(I) -> O + Sync,
) -> Vec<O>
where
    I: Send,
    O: Send,
{
    runs_in_order(items, parts, |run| {
        run.into_iter().map(&map).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_come_back_in_order_whatever_the_split() {
        let items: Vec<u32> = (0..1001).collect();
        let expected: Vec<u32> = items.iter().map(|i| i * 3).collect();
        for parts in [0, 1, 2, 3, 7, 1001, 2000] {
            assert_eq!(
                map_in_order(items.clone(), parts, |i| i * 3),
                expected,
                "{parts}"
            );
        }
        assert!(map_in_order(Vec::<u32>::new(), 4, |i| i).is_empty());
        let sums = runs_in_order(items, 3, |run| run.iter().sum::<u32>());
        assert_eq!(sums, [334 * 333 / 2, (334..668).sum(), (668..1001).sum()]);
    }
}
