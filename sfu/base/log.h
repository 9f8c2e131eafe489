/* One logging module for the whole hub: levels, a module tag, one line per event.
 * Thread-safe (each line is one write(2) to stderr). */
#ifndef DH_LOG_H
#define DH_LOG_H

typedef enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

void log_set_level(log_level lvl);
log_level log_get_level(void);
void log_msg(log_level lvl, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOGE(tag, ...) log_msg(LOG_ERROR, tag, __VA_ARGS__)
#define LOGW(tag, ...) log_msg(LOG_WARN, tag, __VA_ARGS__)
#define LOGI(tag, ...) log_msg(LOG_INFO, tag, __VA_ARGS__)
#define LOGD(tag, ...)                                                                             \
    do {                                                                                           \
        if (log_get_level() >= LOG_DEBUG) log_msg(LOG_DEBUG, tag, __VA_ARGS__);                    \
    } while (0)

#endif
