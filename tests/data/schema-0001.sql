-- The first released schema (revision 0001) with a little data, as SQLite wrote it. Never edit:
-- tests/ops/test_migrations.py upgrades it to every later schema and checks that nothing is lost.
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0001');
CREATE TABLE attempt (
	id INTEGER NOT NULL, 
	session_id INTEGER NOT NULL, 
	learner_id INTEGER NOT NULL, 
	question_id VARCHAR(200) NOT NULL, 
	concept_id VARCHAR(200) NOT NULL, 
	correct BOOLEAN NOT NULL, 
	score FLOAT NOT NULL, 
	response VARCHAR(4000) NOT NULL, 
	points INTEGER NOT NULL, 
	first_try BOOLEAN NOT NULL, 
	answered_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_attempt_once UNIQUE (session_id, learner_id), 
	FOREIGN KEY(session_id) REFERENCES quiz_session (id), 
	FOREIGN KEY(learner_id) REFERENCES learner (id)
);
INSERT INTO "attempt" VALUES(1,1,1,'reinforcement-learning-from-human-feedback-q1','reinforcement-learning-from-human-feedback',1,1.0,'B',15,1,'2026-11-02 09:00:00.000000');
CREATE TABLE class_room (
	id INTEGER NOT NULL, 
	platform VARCHAR(32) NOT NULL, 
	workspace VARCHAR(128) NOT NULL, 
	channel VARCHAR(128) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_class_channel UNIQUE (platform, workspace, channel)
);
INSERT INTO "class_room" VALUES(1,'slack','T1','C1','cs-101','2026-11-27 00:53:57.523233','');
CREATE TABLE concept_progress (
	learner_id INTEGER NOT NULL, 
	concept_id VARCHAR(200) NOT NULL, 
	attempts INTEGER NOT NULL, 
	correct INTEGER NOT NULL, 
	mastery FLOAT NOT NULL, 
	last_answered_at DATETIME, 
	card VARCHAR NOT NULL, 
	due DATETIME, 
	PRIMARY KEY (learner_id, concept_id), 
	FOREIGN KEY(learner_id) REFERENCES learner (id)
);
INSERT INTO "concept_progress" VALUES(1,'reinforcement-learning-from-human-feedback',1,1,0.5,'2026-11-02 09:00:00.000000','{"card_id": 1795740837551, "state": 2, "step": null, "stability": 2.3065, "difficulty": 2.118103970459016, "due": "2026-11-04T09:00:00+00:00", "last_review": "2026-11-02T09:00:00+00:00"}','2026-11-04 09:00:00.000000');
CREATE TABLE delivered_event (
	platform VARCHAR(32) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	received_at DATETIME NOT NULL, 
	PRIMARY KEY (platform, "key")
);
CREATE TABLE inbox_question (
	id INTEGER NOT NULL, 
	learner_id INTEGER NOT NULL, 
	class_id INTEGER, 
	text VARCHAR(4000) NOT NULL, 
	closest VARCHAR NOT NULL, 
	asked_at DATETIME NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	answer VARCHAR(4000) NOT NULL, 
	answered_by INTEGER, 
	answered_at DATETIME, 
	added_to_course BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(learner_id) REFERENCES learner (id), 
	FOREIGN KEY(class_id) REFERENCES class_room (id), 
	FOREIGN KEY(answered_by) REFERENCES learner (id)
);
INSERT INTO "inbox_question" VALUES(1,1,1,'when is the exam?','["llm-alignment"]','2026-11-02 09:00:00.000000','open','',NULL,NULL,0);
CREATE TABLE instructor_passage (
	id INTEGER NOT NULL, 
	course_id VARCHAR(200) NOT NULL, 
	concept_id VARCHAR(200) NOT NULL, 
	question VARCHAR(4000) NOT NULL, 
	text VARCHAR(4000) NOT NULL, 
	author_id INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(author_id) REFERENCES learner (id)
);
CREATE TABLE learner (
	id INTEGER NOT NULL, 
	platform VARCHAR(32) NOT NULL, 
	workspace VARCHAR(128) NOT NULL, 
	user_id VARCHAR(128) NOT NULL, 
	display_name VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	privacy VARCHAR(16) NOT NULL, 
	pseudonym VARCHAR(64) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	digest BOOLEAN NOT NULL, 
	quiet_start INTEGER NOT NULL, 
	quiet_end INTEGER NOT NULL, 
	digest_sent_on VARCHAR(10) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_learner_identity UNIQUE (platform, workspace, user_id)
);
INSERT INTO "learner" VALUES(1,'slack','T1','U1','Ada','2026-11-27 00:53:57.514918','visible','','',0,22,8,'');
CREATE TABLE quiz_session (
	id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	learner_id INTEGER, 
	class_id INTEGER, 
	question_id VARCHAR(200) NOT NULL, 
	concept_id VARCHAR(200) NOT NULL, 
	presentation VARCHAR NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	hints_used INTEGER NOT NULL, 
	created_by INTEGER, 
	created_at DATETIME NOT NULL, 
	deadline DATETIME, 
	closed_at DATETIME, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(learner_id) REFERENCES learner (id), 
	FOREIGN KEY(class_id) REFERENCES class_room (id), 
	FOREIGN KEY(created_by) REFERENCES learner (id)
);
INSERT INTO "quiz_session" VALUES(1,'solo',1,1,'reinforcement-learning-from-human-feedback-q1','reinforcement-learning-from-human-feedback','[0, 1, 2, 3]','answered',0,1,'2026-11-02 09:00:00.000000',NULL,'2026-11-02 09:00:00.000000',1);
CREATE TABLE request_log (
	id INTEGER NOT NULL, 
	learner_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_delivered_event_received_at ON delivered_event (received_at);
CREATE INDEX ix_request_log_learner_id ON request_log (learner_id);
CREATE INDEX ix_request_log_at ON request_log (at);
CREATE INDEX ix_quiz_session_status ON quiz_session (status);
CREATE INDEX ix_quiz_session_learner_id ON quiz_session (learner_id);
CREATE INDEX ix_quiz_session_class_id ON quiz_session (class_id);
CREATE INDEX ix_concept_progress_due ON concept_progress (due);
CREATE INDEX ix_inbox_question_learner_id ON inbox_question (learner_id);
CREATE INDEX ix_inbox_question_status ON inbox_question (status);
CREATE INDEX ix_instructor_passage_course_id ON instructor_passage (course_id);
CREATE INDEX ix_attempt_question_id ON attempt (question_id);
CREATE INDEX ix_attempt_learner_id ON attempt (learner_id);
CREATE INDEX ix_attempt_session_id ON attempt (session_id);
CREATE INDEX ix_attempt_answered_at ON attempt (answered_at);
COMMIT;
