#!/bin/bash -e

ctx logger info "Polling application"
