#!/bin/bash -e

sleep 60
ctx logger info "Updated application"
