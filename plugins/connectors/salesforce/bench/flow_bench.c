/*
 * flow_bench.c -- how fast parse + map + check runs, for `make bench`.
 *
 * Kept in a subfolder so it is not linked into the plugin (the Makefile
 * builds a plugin from the *.c files of its folder only).
 *
 *   flow_bench [-n ROUNDS] FILE...     every file, ROUNDS times, from memory
 *   flow_bench -s ELEMENTS [-n ROUNDS] one synthetic flow of ELEMENTS chained
 *                                      elements (a loop with lookups, updates
 *                                      and decisions), to see how size scales
 *
 * Prints one line: flows, bytes, seconds, flows/s, MB/s. Files are read
 * before the clock starts, so only the pipeline is timed. Not a test: the
 * numbers depend on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../flow_check.h"
#include "../flow_map.h"
#include "../flow_parse.h"

struct document {
    char *data;
    size_t size;
    const char *name;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_document(const char *path, struct document *document)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return -1;
    document->data = malloc(SF_FLOW_MAX_BYTES);
    document->size = document->data != NULL ? fread(document->data, 1, SF_FLOW_MAX_BYTES, file) : 0;
    document->name = path;
    fclose(file);
    return document->data != NULL ? 0 : -1;
}

/* A chain: assignment -> lookup -> decision -> update -> ..., inside one loop. */
static int synthetic_document(size_t elements, struct document *document)
{
    size_t capacity = elements * 700 + 4096;
    char *xml = malloc(capacity);
    if (xml == NULL)
        return -1;
    size_t used = (size_t)snprintf(xml, capacity,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Flow xmlns=\"http://soap.sforce.com/2006/04/metadata\"><apiVersion>60.0</apiVersion>"
        "<label>Synthetic</label><processType>AutoLaunchedFlow</processType>"
        "<loops><name>L</name><label>L</label><collectionReference>items</collectionReference>"
        "<nextValueConnector><targetReference>E0</targetReference></nextValueConnector></loops>"
        "<variables><name>items</name><dataType>SObject</dataType><isCollection>true"
        "</isCollection><objectType>Account</objectType></variables>");
    for (size_t i = 0; i < elements && used < capacity; i++) {
        char next[32];
        snprintf(next, sizeof next, i + 1 < elements ? "E%zu" : "L", i + 1);
        const char *tag = (i % 3 == 0) ? "recordLookups" : (i % 3 == 1) ? "recordUpdates"
                                                                         : "assignments";
        used += (size_t)snprintf(xml + used, capacity - used,
            "<%s><name>E%zu</name><label>E%zu</label><object>Account</object>"
            "<filters><field>Name</field><operator>EqualTo</operator><value><stringValue>"
            "acct %zu 001000000000001</stringValue></value></filters>"
            "<inputAssignments><field>Rating</field><value><elementReference>L.Rating"
            "</elementReference></value></inputAssignments>"
            "<connector><targetReference>%s</targetReference></connector></%s>",
            tag, i, i, i, next, tag);
    }
    used += (size_t)snprintf(xml + used, capacity - used,
        "<start><connector><targetReference>L</targetReference></connector></start>"
        "<status>Active</status></Flow>");
    document->data = xml;
    document->size = used < capacity ? used : capacity - 1;
    document->name = "Synthetic.flow-meta.xml";
    return 0;
}

static int run_once(const struct document *document)
{
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_parse_buffer(document->data, document->size, document->name,
                                                &error);
    if (flow == NULL) {
        fprintf(stderr, "%s\n", error.message);
        return -1;
    }
    struct sf_mapping *mapping = sf_flow_map(flow);
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    int ok = mapping != NULL && findings != NULL;
    sf_findings_free(findings);
    sf_mapping_free(mapping);
    sf_flow_free(flow);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    long rounds = 100, synthetic = 0;
    int first = 1;
    while (first + 1 < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "-n") == 0)
            rounds = strtol(argv[first + 1], NULL, 10);
        else if (strcmp(argv[first], "-s") == 0)
            synthetic = strtol(argv[first + 1], NULL, 10);
        else
            break;
        first += 2;
    }
    size_t count = synthetic > 0 ? 1 : (size_t)(argc - first);
    if (count == 0 || rounds <= 0) {
        fprintf(stderr, "usage: flow_bench [-n ROUNDS] FILE... | flow_bench -s ELEMENTS [-n ROUNDS]\n");
        return 2;
    }
    struct document *documents = calloc(count, sizeof *documents);
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++) {
        int failed = synthetic > 0 ? synthetic_document((size_t)synthetic, &documents[i])
                                   : read_document(argv[first + (int)i], &documents[i]);
        if (failed) {
            fprintf(stderr, "cannot load input %zu\n", i);
            return 2;
        }
        bytes += documents[i].size;
    }
    double start = now_seconds();
    for (long round = 0; round < rounds; round++)
        for (size_t i = 0; i < count; i++)
            if (run_once(&documents[i]) != 0)
                return 1;
    double seconds = now_seconds() - start;
    double flows = (double)count * (double)rounds;
    printf("flows=%.0f bytes=%zu seconds=%.3f flows_per_s=%.0f mb_per_s=%.1f\n", flows,
           bytes * (size_t)rounds, seconds, flows / seconds,
           (double)bytes * (double)rounds / seconds / 1e6);
    for (size_t i = 0; i < count; i++)
        free(documents[i].data);
    free(documents);
    return 0;
}
