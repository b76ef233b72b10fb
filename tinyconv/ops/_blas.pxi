# OpenBLAS's parallel jobs on the kernels' OpenMP team, included into _im2col.pyx.
#
# OpenBLAS (pthreads build, as in NumPy's wheels) runs every parallel GEMM on worker threads
# of its own that busy-spin for 2^28 cycles (about 0.1 s) after each call before they sleep.
# tinyconv runs OpenMP kernels between GEMMs, and the spinning workers take the cores those
# kernels need.  The spin is set by OPENBLAS_THREAD_TIMEOUT, read once when OpenBLAS loads,
# i.e. when NumPy is first imported: nothing a library imported after NumPy can change.
#
# OpenBLAS 0.3.27+ has a run-time hook instead: openblas_set_threads_callback_function(cb)
# makes exec_blas hand its array of jobs to cb(sync, dojob, numjobs, elsize, jobdata, arg),
# which must run dojob(i, jobdata + i*elsize, arg) for every i, all of them at once (the
# level-3 jobs wait on each other's packed panels).  tinyconv's cb runs job i on thread i of
# an OpenMP team, the same team its kernels use, so one pool of threads does everything and
# OpenBLAS's own workers sleep for good.  ops/_kernels/blas.py finds the loaded OpenBLAS and
# installs the callback.
#
# Two constraints of the pthreads build shape the code:
# - in that build, job i >= 1 uses the per-thread buffer number i of the library (one set for
#   the whole process), so two callbacks must not run at once: a mutex serialises them (BLAS
#   calls from several Python threads then take turns, as their jobs would share buffers);
# - all numjobs jobs must be alive together.  An OpenMP team of numjobs threads guarantees it
#   outside a parallel region with dynamic teams off; elsewhere (a BLAS call from inside a
#   parallel region or from a job, dynamic teams, a thread limit) the jobs get plain pthreads.

cdef extern from *:
    """
    #include <pthread.h>
    #include <stdlib.h>
    #ifdef _OPENMP
    #include <omp.h>
    #endif
    typedef void (*tc_dojob_t)(int, void *, int);
    typedef struct { tc_dojob_t dojob; int i; void *data; int arg; } tc_blas_job_t;

    static pthread_mutex_t tc_blas_lock = PTHREAD_MUTEX_INITIALIZER;
    static __thread int tc_blas_in_job = 0;
    static volatile long tc_blas_team_calls = 0, tc_blas_thread_calls = 0;

    static void *tc_blas_job_main(void *p) {
        tc_blas_job_t *j = (tc_blas_job_t *)p;
        tc_blas_in_job = 1;
        j->dojob(j->i, j->data, j->arg);
        tc_blas_in_job = 0;
        return NULL;
    }

    /* jobs 1.. on new pthreads, job 0 here; all alive together */
    static void tc_blas_on_pthreads(tc_dojob_t dojob, int numjobs, size_t elsize,
                                    char *jobdata, int arg) {
        tc_blas_job_t stack_jobs[16];
        pthread_t stack_tids[16];
        tc_blas_job_t *jobs = stack_jobs;
        pthread_t *tids = stack_tids;
        int i, started = 1;
        if (numjobs > 16) {
            jobs = (tc_blas_job_t *)malloc(numjobs * sizeof(tc_blas_job_t));
            tids = (pthread_t *)malloc(numjobs * sizeof(pthread_t));
            if (jobs == NULL || tids == NULL) abort();  /* no way to run them all at once */
        }
        for (i = 0; i < numjobs; i++) {
            jobs[i].dojob = dojob; jobs[i].i = i;
            jobs[i].data = jobdata + (size_t)i * elsize; jobs[i].arg = arg;
        }
        for (i = 1; i < numjobs; i++, started++)
            if (pthread_create(&tids[i], NULL, tc_blas_job_main, &jobs[i]) != 0) abort();
        tc_blas_job_main(&jobs[0]);
        for (i = 1; i < started; i++) pthread_join(tids[i], NULL);
        if (jobs != stack_jobs) { free(jobs); free(tids); }
        tc_blas_thread_calls++;
    }

    static void tc_blas_threads(int sync, tc_dojob_t dojob, int numjobs, size_t elsize,
                                void *jobdata, int arg) {
        char *base = (char *)jobdata;
        int team_ok = 0;
        (void)sync;
        if (numjobs <= 0) return;
        if (numjobs == 1 && !tc_blas_in_job) {
            pthread_mutex_lock(&tc_blas_lock);
            dojob(0, base, arg);
            pthread_mutex_unlock(&tc_blas_lock);
            return;
        }
        if (tc_blas_in_job) {  /* a job's own BLAS call: the lock is held by its caller */
            tc_blas_on_pthreads(dojob, numjobs, elsize, base, arg);
            return;
        }
        pthread_mutex_lock(&tc_blas_lock);
    #ifdef _OPENMP
        team_ok = !omp_in_parallel() && !omp_get_dynamic() && omp_get_thread_limit() >= numjobs;
        if (team_ok) {
            #pragma omp parallel num_threads(numjobs)
            {
                int i = omp_get_thread_num();
                tc_blas_in_job = 1;
                dojob(i, base + (size_t)i * elsize, arg);
                tc_blas_in_job = 0;
            }
            tc_blas_team_calls++;
        }
    #endif
        if (!team_ok) tc_blas_on_pthreads(dojob, numjobs, elsize, base, arg);
        pthread_mutex_unlock(&tc_blas_lock);
    }

    static size_t tc_blas_callback_address(void) { return (size_t)&tc_blas_threads; }
    static long tc_blas_team_count(void) { return tc_blas_team_calls; }
    static long tc_blas_thread_count(void) { return tc_blas_thread_calls; }
    """
    size_t tc_blas_callback_address() noexcept nogil
    long tc_blas_team_count() noexcept nogil
    long tc_blas_thread_count() noexcept nogil


def blas_callback_address():
    """Address of the C function to pass to OpenBLAS's openblas_set_threads_callback_function."""
    return tc_blas_callback_address()


def blas_callback_counts():
    """(calls run on an OpenMP team, calls run on plain pthreads) since the module loaded."""
    return tc_blas_team_count(), tc_blas_thread_count()
