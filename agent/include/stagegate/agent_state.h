/*
 * struct sg_agent — caller-allocated storage for one agent. Its fields are
 * private: use the functions in stagegate/agent.h. Defined here only so the
 * caller can allocate it (statically on a microcontroller).
 * (Filled in with the agent implementation.)
 */
#ifndef STAGEGATE_AGENT_STATE_H
#define STAGEGATE_AGENT_STATE_H
struct sg_agent {
  int sg_private_placeholder;
};
typedef struct sg_agent sg_agent;
#endif
